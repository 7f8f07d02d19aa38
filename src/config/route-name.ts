import { z } from 'zod';

/**
 * `routes[].name`: the route's identity in metrics, traffic history, logs and rate-limit buckets, so a reload
 * that inserts a route moves nothing. It lands in Prometheus label values, URL path segments and log fields:
 * a leading letter or digit keeps `.` and `..` (which URLs resolve away) and flag-like `-x` out.
 */
export const routeName = z
  .string()
  .max(64, 'route names are at most 64 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/,
    'route names use letters, digits and _ . : - (first a letter or digit)',
  )
  // An unnamed route is known by its position (`0`, `1`, …) and no route by `none`: a name must be neither.
  .refine(
    (name) => !/^[0-9]+$/.test(name),
    'a route name must not be all digits: those name unnamed routes by position',
  )
  .refine(
    (name) => name !== 'none',
    'a route name must not be "none": that stands for requests no route matched',
  )
  .meta({
    description:
      'The route in metrics, traffic history, logs and rate limits (else its position): unique, not all digits, not "none"',
  });
