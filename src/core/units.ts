/** Config values with units are strings parsed once at load: `250ms`, `2s`, `5m`, `64KiB`, `50%`. */

const durationUnitsMs: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const sizeUnitsBytes: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1_000,
  MB: 1_000_000,
  GB: 1_000_000_000,
  KiB: 1_024,
  MiB: 1_048_576,
  GiB: 1_073_741_824,
};

/** `1.5s` → 1500; undefined when the text is not a duration. Several parts may be combined: `1m30s`. */
export function parseDurationMs(text: string): number | undefined {
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(text)
    ? text.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d)/g)
    : null;
  if (!parts) return undefined;
  let totalMs = 0;
  for (const part of parts) {
    const [, amount = '', unit = ''] = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(part) ?? [];
    totalMs += Number(amount) * (durationUnitsMs[unit] ?? Number.NaN);
  }
  return Number.isFinite(totalMs) ? Math.round(totalMs) : undefined;
}

/** `64KiB` → 65536, `1MB` → 1000000, `512` or `512B` → 512; undefined when not a size. */
export function parseSizeBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/.exec(text);
  if (!match) return undefined;
  const [, amount = '', unit = 'B'] = match;
  return Math.round(Number(amount) * (sizeUnitsBytes[unit] ?? Number.NaN));
}

/** `50%` → 0.5; undefined unless a percentage between 0% and 100%. */
export function parsePercent(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) / 100;
  return value >= 0 && value <= 1 ? value : undefined;
}

/**
 * `10/s` → { count: 10, perMs: 1000 }, `100/m`, `5/250ms` (any duration after the slash; a bare unit means
 * one of it); undefined unless the count and the period are positive.
 */
export function parseRate(text: string): { readonly count: number; readonly perMs: number } | undefined {
  const match = /^(\d+(?:\.\d+)?)\/(.+)$/.exec(text);
  if (!match) return undefined;
  const count = Number(match[1]);
  const period = match[2] ?? '';
  const perMs = parseDurationMs(/^\d/.test(period) ? period : `1${period}`);
  if (perMs === undefined || perMs <= 0 || !(count > 0)) return undefined;
  return { count, perMs };
}

/**
 * An uptime ratio as people read it, floored to hundredths so that any downtime reads below 100%
 * (0.99996 → "99.99%"). The epsilon undoes binary error: 57 / 100 × 10000 is 5699.999…, not 5700.
 */
export function formatUptimePercent(ratio: number): string {
  if (ratio >= 1) return '100%';
  return `${(Math.floor(ratio * 10_000 + 1e-6) / 100).toFixed(2)}%`;
}
