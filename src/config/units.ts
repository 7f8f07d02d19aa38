import { z } from 'zod';
import { parseDurationMs, parsePercent, parseRate, parseSizeBytes } from '../core/units.ts';
import { durationGuesses, percentGuesses, unitHints } from './unit-hints.ts';

/**
 * zod types for unit-carrying strings; each parses once at load and yields a plain number. Messages leave out
 * the value: the loader appends it, or the `${VAR}` it came from so a secret is never echoed.
 */

const dayMs = 86_400_000;

/**
 * The longest duration that may reach a timer. node's setTimeout cannot wait past 2^31 − 1 ms (24.8 days):
 * a longer delay fires after 1 ms instead, so a health check or monitor would run in a loop.
 */
export const maxTimerMs = 24 * dayMs;

export interface DurationBounds {
  /** False where 0 would time out at once, run a loop or divide by zero; elsewhere 0 means off or at once. */
  readonly isZeroAllowed?: boolean;
  /** The longest accepted, in ms (whole days: messages show days); Infinity where it never reaches a timer. */
  readonly maxMs?: number;
}

export const duration = ({ isZeroAllowed = true, maxMs = maxTimerMs }: DurationBounds = {}) => {
  const atMost = Number.isFinite(maxMs) ? `at most ${maxMs / dayMs}d` : '';
  const bounds = isZeroAllowed ? atMost && ` of ${atMost}` : ` above 0${atMost && ` and ${atMost}`}`;
  const isAccepted = (text: string) => {
    const ms = parseDurationMs(text);
    return ms !== undefined && (ms > 0 || isZeroAllowed) && ms <= maxMs;
  };
  return z
    .string()
    .meta({
      description: `A duration${bounds}${bounds ? ',' : ''} such as 250ms, 2s, 5m, 1h`,
      // The lookahead keeps editors from accepting an all-zero duration (0s, 0m0s) where 0 is refused.
      pattern: `^${isZeroAllowed ? '' : '(?=.*[1-9])'}(\\d+(\\.\\d+)?(ms|s|m|h|d))+$`,
    })
    .register(unitHints, { guessesFor: (value) => durationGuesses(value, isAccepted) })
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration like 250ms, 2s or 5m' });
        return z.NEVER;
      }
      if (ms === 0 && !isZeroAllowed) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration above 0' });
        return z.NEVER;
      }
      if (ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: `expected a duration of ${atMost}` });
        return z.NEVER;
      }
      return ms;
    });
};

export interface SizeBounds {
  readonly isZeroAllowed?: boolean;
  readonly maxBytes?: number;
}

export const size = ({ isZeroAllowed = true, maxBytes = Number.MAX_SAFE_INTEGER }: SizeBounds = {}) => {
  const minBytes = isZeroAllowed ? 0 : 1;
  const isBounded = !isZeroAllowed || maxBytes < Number.MAX_SAFE_INTEGER;
  const bounds = isBounded ? `; from ${minBytes} to ${maxBytes} bytes` : '';
  return z
    .union([z.number().int().nonnegative(), z.string()])
    .meta({ description: `A size in bytes, or with a unit: 512B, 64KiB, 1MiB, 10MB${bounds}` })
    .transform((value, ctx) => {
      const bytes = typeof value === 'number' ? value : parseSizeBytes(value);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a size like 64KiB or 1MiB' });
        return z.NEVER;
      }
      if (bytes < minBytes || bytes > maxBytes) {
        ctx.addIssue({ code: 'custom', message: `expected a size from ${minBytes} to ${maxBytes} bytes` });
        return z.NEVER;
      }
      return bytes;
    });
};

export const percent = () =>
  z
    .string()
    .meta({ description: 'A percentage from 0% to 100%', pattern: '^\\d+(\\.\\d+)?%$' })
    .register(unitHints, { guessesFor: percentGuesses })
    .transform((text, ctx) => {
      const fraction = parsePercent(text);
      if (fraction === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a percentage from 0% to 100%' });
        return z.NEVER;
      }
      return fraction;
    });

export const rate = () =>
  z
    .string()
    .meta({ description: 'A rate: a count per period, such as 10/s, 100/m, 5/250ms' })
    .transform((text, ctx) => {
      const parsed = parseRate(text);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a rate like 10/s, 100/m or 5/250ms' });
        return z.NEVER;
      }
      return parsed;
    });
