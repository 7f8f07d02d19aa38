import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Silence, SilenceStore } from '../alerting/alert-store.ts';
import {
  formatMatcher,
  matcherProblem,
  matchesLabel,
  parseMatcher,
  type LabelMatcher,
} from '../alerting/matchers.ts';
import { parseDurationMs } from '../core/units.ts';
import { ServiceError } from './service-error.ts';

/** What the silence verbs need: the store, the wall clock, and a hook to refresh what the pipeline sees. */
export interface SilenceDeps {
  readonly store: SilenceStore;
  readonly nowMs: () => number;
  readonly onChange: () => Promise<void>;
}

export type SilenceStatus = 'pending' | 'active' | 'expired';

/** A silence as the API and CLI show it (Alertmanager's gettable silence, times in ISO 8601). */
export interface SilenceView {
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  /** The matchers as text: `monitor=api`, `severity=~"warning|info"`. */
  readonly matchersText: readonly string[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly status: SilenceStatus;
  readonly updatedAt: string;
}

const matcherInput = z.union([
  z.string().transform((text, ctx): LabelMatcher => {
    const parsed = parseMatcher(text);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed;
  }),
  z
    .strictObject({
      name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name: letters, digits and _'),
      value: z.string(),
      isRegex: z.boolean().default(false),
      isEqual: z.boolean().default(true),
    })
    .superRefine((matcher, ctx) => {
      // Checked here, not when a flush evaluates it: a regex that does not compile would fail every flush.
      const problem = matcherProblem(matcher);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: ['value'] });
    }),
]);

const isoTime = z.iso.datetime({ offset: true }).transform((text) => Date.parse(text));

const silenceInput = z.strictObject({
  matchers: z.array(matcherInput).min(1, 'a silence needs at least one matcher'),
  startsAt: isoTime.optional(),
  endsAt: isoTime.optional(),
  /** Instead of endsAt: how long from the start, e.g. "2h". */
  duration: z.string().optional(),
  createdBy: z.string().trim().min(1, 'say who silences (createdBy)').max(200),
  comment: z.string().trim().min(1, 'say why (comment)').max(2_000),
});

/** Creates a silence; 400-worthy input becomes SVC_INVALID naming the field (`matchers.0.value`). */
export async function createSilence(deps: SilenceDeps, input: unknown): Promise<SilenceView> {
  const parsed = silenceInput.safeParse(input);
  if (!parsed.success) {
    const issue = issueOf(parsed.error.issues);
    throw new ServiceError('SVC_INVALID', issue?.message ?? 'invalid silence', issue?.path || undefined);
  }
  const { data } = parsed;
  const nowMs = deps.nowMs();
  const startsAtMs = data.startsAt ?? nowMs;
  const endsAtMs = endOf(data, startsAtMs);
  // An always-matching silence (every matcher accepts the empty value) would mute everything.
  if (data.matchers.every((m) => matchesLabel(m, {})))
    throw new ServiceError(
      'SVC_INVALID',
      'at least one matcher must need a non-empty label value',
      'matchers',
    );
  const silence: Silence = {
    id: randomUUID(),
    matchers: data.matchers,
    startsAtMs,
    endsAtMs,
    createdBy: data.createdBy,
    comment: data.comment,
    updatedAtMs: nowMs,
  };
  await deps.store.putSilence(silence);
  await deps.onChange();
  return viewOf(silence, nowMs);
}

/** Active and pending silences, plus those expired in the last 24 hours (for the record). */
export async function listSilences(deps: SilenceDeps): Promise<SilenceView[]> {
  const nowMs = deps.nowMs();
  const silences = await deps.store.listSilences(nowMs - 86_400_000);
  return silences.sort((a, b) => b.startsAtMs - a.startsAtMs).map((s) => viewOf(s, nowMs));
}

/** Ends a silence now (Alertmanager's DELETE); a pending one never starts. Expiring twice is fine. */
export async function expireSilence(deps: SilenceDeps, id: string): Promise<SilenceView> {
  const silence = await deps.store.getSilence(id);
  if (!silence) throw new ServiceError('SVC_NOT_FOUND', `no silence with id "${id}"`);
  const nowMs = deps.nowMs();
  if (silence.endsAtMs <= nowMs) return viewOf(silence, nowMs);
  const expired = {
    ...silence,
    startsAtMs: Math.min(silence.startsAtMs, nowMs),
    endsAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await deps.store.putSilence(expired);
  await deps.onChange();
  return viewOf(expired, nowMs);
}

export function statusOf(silence: Silence, nowMs: number): SilenceStatus {
  if (silence.endsAtMs <= nowMs) return 'expired';
  return silence.startsAtMs > nowMs ? 'pending' : 'active';
}

function endOf(
  input: { endsAt?: number | undefined; duration?: string | undefined },
  startsAtMs: number,
): number {
  if (input.endsAt !== undefined && input.duration !== undefined)
    throw new ServiceError('SVC_INVALID', 'give endsAt or duration, not both', 'duration');
  let endsAtMs = input.endsAt;
  if (input.duration !== undefined) {
    const ms = parseDurationMs(input.duration);
    if (ms === undefined || ms <= 0)
      throw new ServiceError('SVC_INVALID', 'expected a duration like 30m or 2h', 'duration');
    endsAtMs = startsAtMs + ms;
  }
  if (endsAtMs === undefined) throw new ServiceError('SVC_INVALID', 'give endsAt or duration', 'endsAt');
  if (endsAtMs <= startsAtMs)
    throw new ServiceError('SVC_INVALID', 'endsAt must be after startsAt', 'endsAt');
  return endsAtMs;
}

/**
 * zod's first issue with its path (`matchers.0.value`). A matcher is text or an object; when it is neither
 * valid, the issue of the form the client wrote is the one to show, not the union's "Invalid input".
 */
function issueOf(issues: readonly z.core.$ZodIssue[]): { message: string; path: string } | undefined {
  const issue = issues[0];
  if (!issue) return undefined;
  const branches = issue.code === 'invalid_union' ? issue.errors.map((branch) => branch[0]) : [];
  const written = branches.find((b) => b !== undefined && b.code !== 'invalid_type');
  if (written) return { message: written.message, path: [...issue.path, ...written.path].join('.') };
  const message =
    branches.length > 0 ? 'a matcher is text (NAME=VALUE) or {name, value, isRegex, isEqual}' : issue.message;
  return { message, path: issue.path.join('.') };
}

function viewOf(silence: Silence, nowMs: number): SilenceView {
  return {
    id: silence.id,
    matchers: silence.matchers,
    matchersText: silence.matchers.map(formatMatcher),
    startsAt: new Date(silence.startsAtMs).toISOString(),
    endsAt: new Date(silence.endsAtMs).toISOString(),
    createdBy: silence.createdBy,
    comment: silence.comment,
    status: statusOf(silence, nowMs),
    updatedAt: new Date(silence.updatedAtMs).toISOString(),
  };
}
