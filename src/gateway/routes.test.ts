import { describe, expect, it } from 'vitest';
import { compileRoutes } from './routes.ts';
import type { RouteSpec } from './spec.ts';

const base: Omit<RouteSpec, 'match' | 'pool'> = {
  timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000, totalMs: 1000 },
  retry: {
    attempts: 1,
    on: [],
    retryNonIdempotent: false,
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    budget: { ratio: 0.2, minPerSecond: 10, ttlMs: 10_000 },
  },
  maxReplayBodyBytes: 0,
  priority: 'default',
  rateLimits: [],
};

describe('compileRoutes', () => {
  const match = compileRoutes([
    {
      ...base,
      pool: 'acme',
      match: { pathPrefix: '/v1/', methods: ['GET', 'POST'], headers: { 'x-tenant': 'acme' } },
    },
    { ...base, pool: 'api', match: { pathPrefix: '/v1/' } },
    { ...base, pool: 'web', match: { pathPrefix: '/', methods: ['GET'] } },
  ]);

  it.each([
    ['GET', '/v1/chat', { 'x-tenant': 'acme' }, 0],
    ['DELETE', '/v1/chat', { 'x-tenant': 'acme' }, 1],
    ['POST', '/v1/chat', { 'x-tenant': 'other' }, 1],
    ['GET', '/index.html', {}, 2],
    ['POST', '/index.html', {}, undefined],
  ])('%s %s %j → route %s (first match wins)', (method, path, headers, expected) => {
    expect(match(method, path, headers)?.index).toBe(expected);
  });
});

describe('compileRoutes, a Host match', () => {
  const match = compileRoutes([
    {
      ...base,
      pool: 'admin',
      match: { pathPrefix: '/', headers: { host: 'Admin.Internal', 'x-env': 'Prod' } },
    },
    { ...base, pool: 'web', match: { pathPrefix: '/' } },
  ]);

  it.each([
    [{ host: 'admin.internal', 'x-env': 'Prod' }, 0],
    [{ host: 'ADMIN.INTERNAL', 'x-env': 'Prod' }, 0],
    [{ ':authority': 'admin.INTERNAL', 'x-env': 'Prod' }, 0],
    [{ host: 'admin.internal:8080', 'x-env': 'Prod' }, 1],
    [{ host: 'other.internal', 'x-env': 'Prod' }, 1],
    [{ 'x-env': 'Prod' }, 1],
  ])('ignores case in the host name (RFC 9110 §7.2): %j → route %s', (headers, expected) => {
    expect(match('GET', '/', headers)?.index).toBe(expected);
  });

  it('compares other header values exactly, case included', () => {
    expect(match('GET', '/', { host: 'admin.internal', 'x-env': 'prod' })?.index).toBe(1);
  });
});
