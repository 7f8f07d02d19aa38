import type { Observation } from '../core/index.ts';
import type { HealthCheckSpec, StatusRange } from '../gateway/spec.ts';
import { httpCheck } from '../monitor/checks/http.ts';

/** How much of a check's body `expect_body` searches: enough for any readiness answer, bounded per check. */
export const maxCheckBodyBytes = 64 * 1024;
// Enough of the body to see why it failed ({"status":"loading"}) without copying a page into the log.
const maxQuotedBodyChars = 80;

/** Why a check's answer fails `spec`, or undefined when it passes. */
export function failureOf(spec: HealthCheckSpec, observation: Observation): string | undefined {
  if (observation.error !== undefined) return observation.error;
  const status = observation.status;
  if (spec.expectedStatuses === undefined) {
    // The monitor HTTP check's own rule, and its wording: below 400 passes.
    const failure = httpCheck.defaultFailure(observation);
    if (failure !== undefined) return failure;
  } else if (status === undefined || !spec.expectedStatuses.some((range) => isWithin(status, range))) {
    return `status ${status ?? 'none'} is not in expected_statuses (${spec.expectedStatuses.map(rangeText).join(', ')})`;
  }
  if (spec.expectBody === undefined) return undefined;
  const body = observation.body ?? '';
  if (body.includes(spec.expectBody)) return undefined;
  const searched =
    Buffer.byteLength(body) >= maxCheckBodyBytes ? ` in its first ${maxCheckBodyBytes / 1024} KiB` : '';
  return `body does not contain ${JSON.stringify(spec.expectBody)}${searched}; it began ${quoted(body)}`;
}

function isWithin(status: number, range: StatusRange): boolean {
  return status >= range.fromStatus && status <= range.toStatus;
}

function rangeText(range: StatusRange): string {
  return range.fromStatus === range.toStatus
    ? String(range.fromStatus)
    : `${range.fromStatus}-${range.toStatus}`;
}

function quoted(body: string): string {
  if (body.length === 0) return 'empty';
  const start = body.slice(0, maxQuotedBodyChars);
  return JSON.stringify(start) + (body.length > maxQuotedBodyChars ? '…' : '');
}
