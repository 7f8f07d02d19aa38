import type { Alert } from './alert.ts';
import { matchesAll, type LabelMatcher } from './matchers.ts';

export interface InhibitRule {
  readonly sourceMatchers: readonly LabelMatcher[];
  readonly targetMatchers: readonly LabelMatcher[];
  /** Labels that must be equal on source and target (missing ≡ empty). */
  readonly equal: readonly string[];
}

/**
 * Built in: a firing gateway alert about a pool mutes the monitor and component alerts that carry the same
 * `pool` label — the pool is the cause, the rest are symptoms. The `pool!=""` on the target keeps alerts
 * that name no pool from being muted by every pool alert (Alertmanager's missing-label pitfall).
 */
export const poolInhibitRule: InhibitRule = {
  sourceMatchers: [{ name: 'source', value: 'gateway', isRegex: false, isEqual: true }],
  targetMatchers: [
    { name: 'source', value: 'gateway', isRegex: false, isEqual: false },
    { name: 'pool', value: '', isRegex: false, isEqual: false },
  ],
  equal: ['pool'],
};

/**
 * Whether `target` is muted by a firing source alert (Alertmanager's inhibitor): an alert matching both
 * sides of a rule cannot be inhibited by another that also matches both. `firing` is an array: each rule
 * walks it again, and a Map's values() iterator walks once (later rules then saw no source at all).
 */
export function isInhibited(target: Alert, firing: readonly Alert[], rules: readonly InhibitRule[]): boolean {
  for (const rule of rules) {
    if (!matchesAll(rule.targetMatchers, target.labels)) continue;
    const targetIsSource = matchesAll(rule.sourceMatchers, target.labels);
    for (const source of firing) {
      if (source.fingerprint === target.fingerprint || source.status !== 'firing') continue;
      if (!matchesAll(rule.sourceMatchers, source.labels)) continue;
      if (targetIsSource && matchesAll(rule.targetMatchers, source.labels)) continue;
      if (rule.equal.every((name) => (source.labels[name] ?? '') === (target.labels[name] ?? '')))
        return true;
    }
  }
  return false;
}
