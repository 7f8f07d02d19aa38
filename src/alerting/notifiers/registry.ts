import type { Notifier } from './notifier.ts';

/**
 * Every notifier kind; a new channel is one file and one entry here. The config's `notifiers.NAME` entries
 * are validated against the union of their schemas, keyed by `type`.
 */
export const notifiers: readonly Notifier<{ readonly type: string }>[] = [
  // one line per notifier file, alphabetical
];

const byKind = new Map(notifiers.map((n) => [n.kind, n]));

export function notifierOf(kind: string): Notifier<{ readonly type: string }> | undefined {
  return byKind.get(kind);
}
