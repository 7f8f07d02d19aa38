export type { Clock } from './clock.ts';
export { systemClock } from './clock.ts';
export type { ErrorCode } from './errors.ts';
export { BulwarkError } from './errors.ts';
export type { HealthState, HealthThresholds, HealthTrackerOptions, Transition } from './health-tracker.ts';
export { HealthTracker } from './health-tracker.ts';
export type { Outcome, FailureReason, TimeoutPhase, RejectReason } from './outcome.ts';
export { isUpstreamFailure } from './outcome.ts';
export { formatUptimePercent, parseDurationMs, parseSizeBytes, parsePercent } from './units.ts';
export { channelNames } from './events.ts';
export type * from './events.ts';
export type { Observation } from './observation.ts';
export type {
  Assertion,
  AssertionFact,
  AssertionOperator,
  AssertionResult,
  AssertionValue,
} from './assertion.ts';
export { evaluateAssertion, factsNeeded, parseAssertion } from './assertion.ts';
export { retryAfterMs } from './retry-after.ts';
export { wallClock } from './clock.ts';
