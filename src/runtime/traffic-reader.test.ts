import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { channelNames, type RequestEvent } from '../core/index.ts';
import { trafficBetween } from '../monitor/traffic.ts';
import { GatewayMetrics } from '../observability/index.ts';
import { metricsNamed, sharedReading, trafficMetricNames, trafficReadingOf } from './traffic-reader.ts';

const metricsList: GatewayMetrics[] = [];
afterEach(() => {
  for (const metrics of metricsList.splice(0)) metrics.close();
});

const request = (overrides: Partial<RequestEvent>): RequestEvent => ({
  requestId: 'r',
  method: 'GET',
  path: '/',
  route: '0',
  pool: 'api',
  endpoint: '127.0.0.1:9001',
  status: 200,
  durationMs: 4,
  attempts: 1,
  ...overrides,
});

describe('trafficReadingOf', () => {
  it('reads the gateway’s real counters, so a minute’s rows come out of two scrapes', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    metricsList.push(metrics);
    const publish = (e: RequestEvent): void => channel(channelNames.request).publish(e);
    publish(request({}));
    const first = trafficReadingOf(await metricsNamed(metrics.registry, trafficMetricNames));
    publish(request({ endpoint: '127.0.0.1:9002', durationMs: 30 }));
    publish(request({ status: 502, errorCode: 'GW_UPSTREAM_FAILED', durationMs: 800 }));
    publish(request({ route: '1', pool: 'backup', durationMs: 2 }));
    const second = trafficReadingOf(await metricsNamed(metrics.registry, trafficMetricNames));
    const rows = trafficBetween(first, second, 0);
    const api = rows.find((r) => r.scope === 'pool' && r.name === 'api')!;
    expect(api).toMatchObject({ requests: 2, errors: 1 });
    expect(api.p99Ms).toBeGreaterThan(500);
    expect(rows.find((r) => r.scope === 'pool' && r.name === 'backup')).toMatchObject({
      requests: 1,
      errors: 0,
    });
    expect(rows.find((r) => r.scope === 'route' && r.name === '0')).toMatchObject({ requests: 2 });
  });
});

describe('sharedReading', () => {
  const periodMs = 5_000;

  it.each([0, 1_000, 2_500, 4_000, 4_999])(
    'gives two pollers %i ms out of phase one reading a round between them, each newer than their last',
    async (phaseMs) => {
      const clock = new FakeClock();
      let reads = 0;
      const read = sharedReading(() => Promise.resolve(++reads), clock, periodMs / 2);
      const seen: Record<'first' | 'second', number[]> = { first: [], second: [] };
      for (let round = 0; round < 6; round++) {
        seen.first.push(await read());
        clock.advance(phaseMs);
        seen.second.push(await read());
        clock.advance(periodMs - phaseMs);
      }
      // Twelve polls. Past half a period out of phase the second poller starts each round's reading, so one more.
      expect(reads).toBe(phaseMs <= periodMs / 2 ? 6 : 7);
      for (const readings of Object.values(seen))
        expect(readings.every((reading, i) => i === 0 || reading > readings[i - 1]!)).toBe(true);
    },
  );

  it('hands a failed reading to the poller that joined it, and reads afresh on the next call', async () => {
    const clock = new FakeClock();
    let reads = 0;
    const read = sharedReading(
      () => (++reads === 1 ? Promise.reject(new Error('a worker did not answer')) : Promise.resolve(reads)),
      clock,
      periodMs / 2,
    );
    const [first, joined] = [read(), read()];
    await expect(first).rejects.toThrow('a worker did not answer');
    await expect(joined).rejects.toThrow('a worker did not answer');
    expect(await read()).toBe(2);
  });
});
