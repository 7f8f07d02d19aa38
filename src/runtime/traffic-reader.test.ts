import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type RequestEvent } from '../core/index.ts';
import { trafficBetween } from '../monitor/traffic.ts';
import { GatewayMetrics } from '../observability/index.ts';
import { metricsNamed, trafficMetricNames, trafficReadingOf } from './traffic-reader.ts';

const metricsList: GatewayMetrics[] = [];
afterEach(() => {
  for (const metrics of metricsList.splice(0)) metrics.close();
});

const request = (overrides: Partial<RequestEvent>): RequestEvent => ({
  requestId: 'r',
  method: 'GET',
  path: '/',
  route: 0,
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
    publish(request({ route: 1, pool: 'backup', durationMs: 2 }));
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
