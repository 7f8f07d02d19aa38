/**
 * An upstream's `Retry-After` (RFC 9110 §10.2.3) in ms: delay-seconds, or an HTTP date compared with the
 * wall clock (`epochNowMs`). undefined when absent or unreadable; 0 when the date has passed.
 */
export function retryAfterMs(value: string | string[] | undefined, epochNowMs: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  // An HTTP date names its month; Date.parse alone would also read "-5" or "1.5" as years.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const dateMs = Date.parse(trimmed);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - epochNowMs);
}
