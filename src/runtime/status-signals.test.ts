import { afterEach, describe, expect, it } from 'vitest';
import type { PoolSample } from '../alerting/sources/pool-rules.ts';
import type { PoolStatus } from '../core/index.ts';
import type { ComponentStatus } from '../status/model.ts';
import { endpointStatus } from './cluster/pool-status.test-support.ts';
import { startStatusHost, type StatusHostHarness } from './status-host.test-support.ts';

const startMs = Date.UTC(2026, 10, 20, 9);

let harness: StatusHostHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

const statusOf = (h: StatusHostHarness, id: string): ComponentStatus | undefined =>
  h.host.live().find((c) => c.def.id === id)?.status;

/** The public components.json, read until it shows `expected` for `id` (rebuilt off-thread, 100 ms after). */
async function pageShows(h: StatusHostHarness, id: string, expected: ComponentStatus): Promise<void> {
  await h.advanceSeconds(1);
  const deadlineMs = Date.now() + 5_000;
  for (;;) {
    const { components } = await h.page<{ components: { id: string; status: string }[] }>(
      '/api/v2/components.json',
    );
    const status = components.find((c) => c.id === id)?.status;
    if (status === expected) return;
    if (Date.now() > deadlineMs) throw new Error(`components.json shows ${id} ${status}, not ${expected}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** One endpoint, healthy as far as the pool knows: without health_check nothing ever marks it otherwise. */
function healthyPool(name: string): PoolStatus {
  return {
    name,
    mode: 'normal',
    healthyShare: 1,
    endpoints: [endpointStatus('127.0.0.1:9', { weight: 1, configuredWeight: 1, effectiveWeight: 1 })],
  };
}

describe('a component fed by a pool without health checks', () => {
  it("follows the pool's live traffic: every request failing is a major outage, and recovery ends it", async () => {
    const counters = { requests: 0, errors: 0 };
    const sample = (): PoolSample => ({ pool: 'api', healthyShare: 1, ...counters, latencyBuckets: [] });
    harness = await startStatusHost(
      ['status_page:', '  title: Acme', '  components:', '    - { name: Legacy, from: { pools: [api] } }'],
      startMs,
      { pools: () => [healthyPool('api')], poolSamples: () => Promise.resolve([sample()]) },
    );
    const h = harness;
    await h.advanceSeconds(5);
    expect(statusOf(h, 'legacy')).toBe('operational');

    // 30 requests, every one a 502: the endpoint refuses connections, and the pool still counts it healthy.
    counters.requests += 30;
    counters.errors += 30;
    await h.advanceSeconds(5);
    expect(statusOf(h, 'legacy')).toBe('major_outage');
    await pageShows(h, 'legacy', 'major_outage');

    // The upstream is back: 300 answered, and the minute's 9% failures are under the 10% that make an outage.
    counters.requests += 300;
    await h.advanceSeconds(5);
    expect(statusOf(h, 'legacy')).toBe('operational');
  });
});
