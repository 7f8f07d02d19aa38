import { z } from 'zod';
import { headerNameWith, headerValue } from './header-fields.ts';
import { duration } from './units.ts';

/** `pools.NAME.health_check` (a part of pool-schema.ts). */

/** Why a check may not set this header, or undefined when it may. */
function refusalOf(name: string): string | undefined {
  if (name === 'host') return 'the Host of a check is set with health_check.host';
  // A check is a GET without a body on a kept-alive connection: these would frame or end it.
  const framing = ['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer'];
  if (framing.includes(name) || ['upgrade', 'expect'].includes(name) || name.startsWith('proxy-'))
    return `${name} belongs to the connection, which the check manages itself`;
  return undefined;
}

const headerName = headerNameWith(refusalOf);

/** An inclusive range of HTTP statuses; a single code is a range of one. */
interface StatusRange {
  readonly fromStatus: number;
  readonly toStatus: number;
}

const statusRangeError =
  'expected a status code from 100 to 599 (200) or an inclusive range of them (200-299)';

const statusRange = z
  .union([z.int().min(100).max(599), z.string().regex(/^\s*\d{3}(\s*-\s*\d{3})?\s*$/)], {
    error: statusRangeError,
  })
  .transform((value, ctx): StatusRange => {
    const [fromStatus, toStatus] = typeof value === 'number' ? [value, value] : boundsOf(value);
    if (!(fromStatus >= 100 && toStatus <= 599 && fromStatus <= toStatus)) {
      const message =
        fromStatus > toStatus ? 'expected the lower status first, as in 200-299' : statusRangeError;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return { fromStatus, toStatus };
  })
  .meta({ description: 'A status code from 100 to 599 (200) or an inclusive range of them (200-299)' });

/** `200` or `200-299`, as the pattern above let through. */
function boundsOf(text: string): readonly [number, number] {
  const [from = '', to = from] = text.split('-').map((part) => part.trim());
  return [Number(from), Number(to)];
}

export const healthCheck = z
  .strictObject({
    path: z.string().startsWith('/').default('/healthz'),
    // Checks are spread ±10%: 20d × 1.1 still fits a node timer (24.8 days).
    interval: duration({ isZeroAllowed: false, maxMs: 20 * 86_400_000 }).prefault('2s'),
    timeout: duration({ isZeroAllowed: false }).prefault('1s'),
    unhealthy_threshold: z.int().min(1).default(2),
    healthy_threshold: z.int().min(1).default(2),
    host: z
      .string()
      .regex(
        /^([A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?)$/,
        'expected a host name with an optional :port',
      )
      .optional()
      .meta({ description: "The check's Host header; the endpoint URL's host:port when absent" }),
    headers: z
      .record(headerName, headerValue)
      .superRefine((headers, ctx) => {
        const names = Object.keys(headers).map((name) => name.toLowerCase());
        names.forEach((name, i) => {
          if (names.indexOf(name) !== i)
            ctx.addIssue({ code: 'custom', message: `${name} is set twice (names ignore case)` });
        });
      })
      .optional()
      .meta({ description: 'Headers sent with each check; values may use ${NAME} and are never logged' }),
    expected_statuses: z
      .array(statusRange)
      .min(1, 'expected at least one status or range; leave the key out for the default (200-399)')
      .optional()
      .meta({ description: 'Statuses that pass, as codes and ranges; 200-399 (2xx and 3xx) when absent' }),
    expect_body: z
      .string()
      .min(1, 'expected some text the body must contain')
      .optional()
      .meta({ description: 'Text the first 64 KiB of the body must contain' }),
  })
  .transform((c) => ({
    path: c.path,
    intervalMs: c.interval,
    timeoutMs: c.timeout,
    unhealthyThreshold: c.unhealthy_threshold,
    healthyThreshold: c.healthy_threshold,
    host: c.host,
    headers:
      c.headers && Object.entries(c.headers).map(([name, value]) => [name.toLowerCase(), value] as const),
    expectedStatuses: c.expected_statuses,
    expectBody: c.expect_body,
  }));
