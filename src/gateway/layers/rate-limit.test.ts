import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalRateLimitStore } from '../overload/rate-limit-store.ts';
import type { RateLimitSpec } from '../spec.ts';
import { RouteRateLimits } from './rate-limit.ts';

const perClient: RateLimitSpec = { name: 'ip', key: [{ from: 'ip' }], ratePerSecond: 1, burst: 2 };
const nowMs = 1_700_000_000_000;

/** Sends one request from `clientIp` through the route's limits; true when it is let through. */
function sendFrom(limits: RouteRateLimits, store: LocalRateLimitStore, clientIp: string): boolean {
  const applied = limits.bucketsFor({}, clientIp);
  if (applied === undefined) throw new Error('an ip limit applies to every request');
  const decision = store.take(applied.requests, nowMs);
  if (decision instanceof Promise) throw new Error('the local store decides at once');
  return decision.isAllowed;
}

describe('RouteRateLimits keyed on ip', () => {
  it('charges every address of one IPv6 /64 to one bucket, and another /64 apart', () => {
    const limits = new RouteRateLimits('0', [perClient]);
    const store = new LocalRateLimitStore();
    const sameHost = ['2001:db8:1:2::a', '2001:db8:1:2:ffff:1:2:3', '2001:db8:1:2::b'];
    expect(sameHost.map((address) => sendFrom(limits, store, address))).toEqual([true, true, false]);
    expect(sendFrom(limits, store, '2001:db8:1:3::a')).toBe(true);
    expect(store.size).toBe(2);
  });

  it('keys a combined ip and header limit by the /64 too', () => {
    const spec: RateLimitSpec = { ...perClient, key: [{ from: 'ip' }, { from: 'header', name: 'x-tenant' }] };
    const limits = new RouteRateLimits('0', [spec]);
    const keyFrom = (address: string) => limits.bucketsFor({ 'x-tenant': 'a' }, address)?.requests[0]?.key;
    expect(keyFrom('2001:db8:1:2::a')).toBe(keyFrom('2001:db8:1:2:ffff::1'));
    expect(keyFrom('2001:db8:1:2::a')).not.toBe(keyFrom('2001:db8:1:3::a'));
  });
});

describe('RouteRateLimits refusals', () => {
  const perKey: RateLimitSpec = {
    name: 'per-key',
    key: [{ from: 'header', name: 'x-api-key' }],
    ratePerSecond: 1,
    burst: 1,
  };
  const perIp: RateLimitSpec = { ...perClient, name: 'per-ip', burst: 1 };
  const sha256Prefix = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 12);

  function refusalOf(limits: RouteRateLimits, store: LocalRateLimitStore, key: string, clientIp: string) {
    const applied = limits.bucketsFor({ 'x-api-key': key }, clientIp)!;
    const decision = store.take(applied.requests, nowMs);
    if (decision instanceof Promise) throw new Error('the local store decides at once');
    return decision.isAllowed ? 'allowed' : limits.refusal(applied, decision);
  }

  it('names the limit that refused and fingerprints its key, never showing the key', () => {
    const limits = new RouteRateLimits('0', [perKey, perIp]);
    const store = new LocalRateLimitStore();
    expect(refusalOf(limits, store, 'sk-alice-secret', '10.0.0.1')).toBe('allowed');
    // Alice's key is spent; her new address is not.
    expect(refusalOf(limits, store, 'sk-alice-secret', '10.0.0.2')).toEqual({
      limit: 'per-key',
      keyFingerprint: sha256Prefix('sk-alice-secret'),
    });
    // Bob's key is fresh; the address Alice used first is spent.
    const byIp = refusalOf(limits, store, 'sk-bob-secret', '10.0.0.1');
    expect(byIp).toEqual({ limit: 'per-ip', keyFingerprint: sha256Prefix('10.0.0.1') });
    expect(JSON.stringify(byIp)).not.toContain('10.0.0.1');
  });
});
