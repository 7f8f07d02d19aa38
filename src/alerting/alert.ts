import { createHash } from 'node:crypto';

/** Label names and values identify an alert; annotations describe it (summary, description) and never do. */
export type Labels = Readonly<Record<string, string>>;

export type AlertStatus = 'firing' | 'resolved';

/** One alert as the pipeline sees it. Times are epoch ms. */
export interface Alert {
  /** Stable for the same label set across restarts and reloads: it keys dedup, acks and the outbox. */
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly status: AlertStatus;
  readonly startsAtMs: number;
  /** Set once resolved. */
  readonly endsAtMs?: number | undefined;
}

/**
 * 16 hex digits of SHA-256 over the sorted `name=value` pairs. Order-independent, and stable across
 * processes (unlike Alertmanager's in-memory FNV it is also what the API and outbox store).
 */
export function fingerprintOf(labels: Labels): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((name) => `${name}\u0000${labels[name] ?? ''}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Builds a firing alert from its labels; the fingerprint follows from them. */
export function firingAlert(labels: Labels, annotations: Labels, startsAtMs: number): Alert {
  return { fingerprint: fingerprintOf(labels), labels, annotations, status: 'firing', startsAtMs };
}
