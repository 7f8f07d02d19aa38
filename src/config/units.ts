import { z } from 'zod';
import { parseDurationMs, parsePercent, parseRate, parseSizeBytes } from '../core/units.ts';

/**
 * zod types for unit-carrying strings; each parses once at load and yields a plain number. Messages leave out
 * the value: the loader appends it, or the `${VAR}` it came from so a secret is never echoed.
 */

export const duration = () =>
  z
    .string()
    .meta({ description: 'A duration such as 250ms, 2s, 5m, 1h', pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$' })
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration like 250ms, 2s or 5m' });
        return z.NEVER;
      }
      return ms;
    });

export const size = () =>
  z
    .union([z.number().int().nonnegative(), z.string()])
    .meta({ description: 'A size in bytes, or with a unit: 512B, 64KiB, 1MiB, 10MB' })
    .transform((value, ctx) => {
      const bytes = typeof value === 'number' ? value : parseSizeBytes(value);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a size like 64KiB or 1MiB' });
        return z.NEVER;
      }
      return bytes;
    });

export const percent = () =>
  z
    .string()
    .meta({ description: 'A percentage from 0% to 100%', pattern: '^\\d+(\\.\\d+)?%$' })
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
