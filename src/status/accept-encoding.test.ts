import { describe, expect, it } from 'vitest';
import { prefersGzip } from './accept-encoding.ts';

describe('prefersGzip (RFC 9110 §12.5.3)', () => {
  it.each<[string | undefined, boolean]>([
    ['gzip', true],
    ['gzip, deflate, br, zstd', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip;q=0.5', true],
    ['gzip;q=1.000', true],
    ['*', true],
    ['br;q=1, gzip;q=0.8, *;q=0.1', true],
    ['identity;q=0.5, gzip', true],
    // Refusals, however they are spaced or spelled.
    ['gzip;q=0', false],
    ['gzip; q=0', false],
    ['gzip ;q=0', false],
    ['gzip ; Q=0.000', false],
    ['deflate, gzip;q=0, br', false],
    ['*;q=0', false],
    ['*, gzip;q=0', false],
    ['gzip;q=0, gzip', false],
    // Preference: identity liked more than gzip gets the plain body.
    ['identity, gzip;q=0.5', false],
    ['*;q=0.9, gzip;q=0.5', false],
    // Not asked for, or not parseable.
    [undefined, false],
    ['', false],
    ['deflate, br', false],
    ['identity', false],
    ['gzip;q=2', false],
    ['gzip;q=0.5000', false],
    ['gzip;q=', false],
    ['gzipx', false],
    ['not gzip', false],
  ])('%j → %s', (header, expected) => {
    expect(prefersGzip(header)).toBe(expected);
  });
});
