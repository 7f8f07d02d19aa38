import { channel, hasSubscribers } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  channelNames,
  type AttemptEvent,
  type CoolDownEvent,
  type EjectionEvent,
  type HealthEvent,
  type PoolModeEvent,
  type PoolStatus,
  type RequestEvent,
  type RetryEvent,
} from '../core/index.ts';
import { GatewayMetrics } from './metrics.ts';

const publish = {
  request: (e: RequestEvent) => channel(channelNames.request).publish(e),
  attempt: (e: AttemptEvent) => channel(channelNames.attempt).publish(e),
  retry: (e: RetryEvent) => channel(channelNames.retry).publish(e),
  health: (e: HealthEvent) => channel(channelNames.health).publish(e),
  ejection: (e: EjectionEvent) => channel(channelNames.ejection).publish(e),
  poolMode: (e: PoolModeEvent) => channel(channelNames.poolMode).publish(e),
  coolDown: (e: CoolDownEvent) => channel(channelNames.coolDown).publish(e),
};

const ENDPOINT = '10.0.0.1:80';

function request(overrides: Partial<RequestEvent>): RequestEvent {
  return {
    requestId: 'r1',
    method: 'GET',
    path: '/',
    route: '0',
    pool: 'api',
    endpoint: ENDPOINT,
    status: 200,
    durationMs: 12,
    attempts: 1,
    ...overrides,
  };
}

/** The value of one sample line, or undefined when the series is absent. Label order is as registered. */
function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const labelText = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const prefix = labelText ? `${name}{${labelText}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

const open: GatewayMetrics[] = [];
function gatewayMetrics(...args: ConstructorParameters<typeof GatewayMetrics>): GatewayMetrics {
  const metrics = new GatewayMetrics(...args);
  open.push(metrics);
  return metrics;
}
afterEach(() => {
  for (const m of open.splice(0)) m.close();
});

describe('GatewayMetrics', () => {
  it('counts requests by route, pool and status class, and times them in seconds', async () => {
    const metrics = gatewayMetrics({ processMetrics: false });
    publish.request(request({ status: 200, durationMs: 3 }));
    publish.request(request({ status: 204, durationMs: 40 }));
    publish.request(request({ status: 503, durationMs: 2_000, errorCode: 'GW_UPSTREAM_FAILED' }));
    publish.request(
      request({ route: 'none', pool: '', endpoint: '', status: 404, errorCode: 'GW_ROUTE_NOT_FOUND' }),
    );
    const text = await metrics.metricsText();

    const total = 'bulwark_gateway_requests_total';
    expect(
      sampleValue(text, total, { route: '0', pool: 'api', endpoint: ENDPOINT, status_class: '2xx' }),
    ).toBe(2);
    expect(
      sampleValue(text, total, { route: '0', pool: 'api', endpoint: ENDPOINT, status_class: '5xx' }),
    ).toBe(1);
    expect(sampleValue(text, total, { route: 'none', pool: '', endpoint: '', status_class: '4xx' })).toBe(1);

    const duration = 'bulwark_gateway_request_duration_seconds';
    const labels = { route: '0', pool: 'api' };
    expect(sampleValue(text, `${duration}_bucket`, { ...labels, le: '0.001' })).toBe(0);
    expect(sampleValue(text, `${duration}_bucket`, { ...labels, le: '0.005' })).toBe(1);
    expect(sampleValue(text, `${duration}_bucket`, { ...labels, le: '0.05' })).toBe(2);
    expect(sampleValue(text, `${duration}_bucket`, { ...labels, le: '2.5' })).toBe(3);
    expect(sampleValue(text, `${duration}_bucket`, { ...labels, le: '+Inf' })).toBe(3);
    expect(sampleValue(text, `${duration}_count`, labels)).toBe(3);
    expect(sampleValue(text, `${duration}_sum`, labels)).toBeCloseTo(2.043, 6);
    expect(text).toContain(`# TYPE ${duration} histogram`);

    const errors = 'bulwark_gateway_errors_total';
    expect(sampleValue(text, errors, { code: 'GW_UPSTREAM_FAILED', route: '0', pool: 'api' })).toBe(1);
    expect(sampleValue(text, errors, { code: 'GW_ROUTE_NOT_FOUND', route: 'none', pool: '' })).toBe(1);
  });

  it('counts refusals by code, route and pool, so the on-call sees which limit refused', async () => {
    const metrics = gatewayMetrics({ processMetrics: false });
    const refused = { endpoint: '', attempts: 0, durationMs: 0 };
    publish.request(request({ ...refused, route: '2', pool: 'llm', status: 503, errorCode: 'GW_THROTTLED' }));
    publish.request(request({ ...refused, route: '2', pool: 'llm', status: 503, errorCode: 'GW_THROTTLED' }));
    publish.request(request({ ...refused, route: '3', pool: 'llm', status: 503, errorCode: 'GW_SHED' }));
    publish.request(
      request({ ...refused, route: '0', pool: 'api', status: 429, errorCode: 'GW_RATE_LIMITED' }),
    );
    const text = await metrics.metricsText();

    const errors = 'bulwark_gateway_errors_total';
    expect(sampleValue(text, errors, { code: 'GW_THROTTLED', route: '2', pool: 'llm' })).toBe(2);
    expect(sampleValue(text, errors, { code: 'GW_SHED', route: '3', pool: 'llm' })).toBe(1);
    expect(sampleValue(text, errors, { code: 'GW_RATE_LIMITED', route: '0', pool: 'api' })).toBe(1);
  });

  it("counts cool-downs on an upstream's Retry-After, not their ends", async () => {
    const metrics = gatewayMetrics({ processMetrics: false });
    const at = { pool: 'api', endpoint: ENDPOINT };
    publish.coolDown({ ...at, isCooling: true, status: 503, retryAfterMs: 5_000, durationMs: 5_000 });
    publish.coolDown({ ...at, isCooling: false, status: 0, retryAfterMs: 0, durationMs: 0 });
    const text = await metrics.metricsText();
    expect(sampleValue(text, 'bulwark_gateway_cool_downs_total', at)).toBe(1);
  });

  it('labels upstream attempts by outcome', async () => {
    const metrics = gatewayMetrics({ processMetrics: false });
    const at = { requestId: 'r1', pool: 'api', endpoint: 'a:80' };
    publish.attempt({ ...at, outcome: { kind: 'success', status: 200, latencyMs: 5 } });
    publish.attempt({ ...at, outcome: { kind: 'success', status: 201, latencyMs: 5 } });
    publish.attempt({ ...at, outcome: { kind: 'failure', reason: 'status', status: 502, latencyMs: 5 } });
    publish.attempt({ ...at, outcome: { kind: 'failure', reason: 'connect', latencyMs: 1 } });
    publish.attempt({ ...at, outcome: { kind: 'failure', reason: 'reset', latencyMs: 1 } });
    publish.attempt({ ...at, outcome: { kind: 'timeout', phase: 'first_byte', latencyMs: 1000 } });
    publish.attempt({ ...at, endpoint: 'b:80', outcome: { kind: 'rejected', reason: 'breaker-open' } });
    const text = await metrics.metricsText();

    const name = 'bulwark_gateway_upstream_attempts_total';
    const a = { pool: 'api', endpoint: 'a:80' };
    expect(sampleValue(text, name, { ...a, outcome: 'success' })).toBe(2);
    expect(sampleValue(text, name, { ...a, outcome: 'failure_status' })).toBe(1);
    expect(sampleValue(text, name, { ...a, outcome: 'failure_connect' })).toBe(1);
    expect(sampleValue(text, name, { ...a, outcome: 'failure_reset' })).toBe(1);
    expect(sampleValue(text, name, { ...a, outcome: 'timeout' })).toBe(1);
    expect(sampleValue(text, name, { pool: 'api', endpoint: 'b:80', outcome: 'rejected_breaker_open' })).toBe(
      1,
    );
  });

  it('counts retries by decision, so budget denials are visible, and by cause', async () => {
    const metrics = gatewayMetrics({ processMetrics: false });
    const retry = { requestId: 'r1', route: '2', pool: 'api', cause: '503' } as const;
    publish.retry({ ...retry, decision: 'retried' });
    publish.retry({ ...retry, decision: 'retried' });
    publish.retry({ ...retry, decision: 'budget' });
    publish.retry({ ...retry, cause: 'first-byte-timeout', decision: 'retried' });
    publish.retry({ ...retry, cause: 'connect-failure', decision: 'retried' });
    const text = await metrics.metricsText();

    const name = 'bulwark_gateway_retries_total';
    const labels = { route: '2', pool: 'api' };
    expect(sampleValue(text, name, { ...labels, decision: 'retried', cause: '503' })).toBe(2);
    expect(sampleValue(text, name, { ...labels, decision: 'budget', cause: '503' })).toBe(1);
    expect(sampleValue(text, name, { ...labels, decision: 'retried', cause: 'first-byte-timeout' })).toBe(1);
    expect(sampleValue(text, name, { ...labels, decision: 'retried', cause: 'connect-failure' })).toBe(1);
  });

  it('counts ejections, health transitions and pool mode changes', async () => {
    const metrics = gatewayMetrics({ processMetrics: false });
    const ep = { pool: 'api', endpoint: 'a:80' };
    publish.ejection({
      ...ep,
      isEjected: true,
      isRefused: false,
      durationMs: 30_000,
      reason: '5 consecutive failures',
    });
    publish.ejection({ ...ep, isEjected: false, isRefused: false, durationMs: 0, reason: 'ejection over' });
    publish.health({ ...ep, isHealthy: false, detail: 'GET /healthz: 500' });
    publish.health({ ...ep, isHealthy: true, detail: 'GET /healthz: 200' });
    publish.health({ ...ep, isHealthy: false, detail: 'connect refused' });
    publish.poolMode({ pool: 'api', mode: 'failover', healthyShare: 0.25, failoverTo: 'backup' });
    publish.poolMode({ pool: 'api', mode: 'normal', healthyShare: 1 });
    const text = await metrics.metricsText();

    expect(sampleValue(text, 'bulwark_gateway_ejections_total', ep)).toBe(1);
    const health = 'bulwark_gateway_health_transitions_total';
    expect(sampleValue(text, health, { ...ep, state: 'unhealthy' })).toBe(2);
    expect(sampleValue(text, health, { ...ep, state: 'healthy' })).toBe(1);
    const modes = 'bulwark_gateway_pool_mode_changes_total';
    expect(sampleValue(text, modes, { pool: 'api', mode: 'failover' })).toBe(1);
    expect(sampleValue(text, modes, { pool: 'api', mode: 'normal' })).toBe(1);
    expect(sampleValue(text, modes, { pool: 'api', mode: 'panic' })).toBeUndefined();
  });

  it('reads pool and endpoint gauges from the status getter at each scrape', async () => {
    const endpoint = {
      url: 'http://a:80',
      weight: 2,
      configuredWeight: 2,
      effectiveWeight: 1,
      slowStartRemainingMs: 500,
      isInMaintenance: false,
      adminState: 'ready',
      configuredState: 'ready',
      ejections: 0,
      coolDownRemainingMs: 0,
    } as const;
    let pools: readonly PoolStatus[] = [
      {
        name: 'api',
        mode: 'panic',
        healthyShare: 0.5,
        endpoints: [
          { ...endpoint, id: 'a:80', isHealthy: true, isEjected: false, isDraining: false, inFlight: 7 },
          {
            ...endpoint,
            id: 'b:80',
            isHealthy: false,
            isEjected: true,
            isDraining: true,
            isInMaintenance: true,
            adminState: 'maintenance',
            inFlight: 0,
          },
        ],
      },
      { name: 'backup', mode: 'failover', healthyShare: 1, endpoints: [] },
    ];
    const metrics = gatewayMetrics({ poolStatus: () => pools, processMetrics: false });
    let text = await metrics.metricsText();

    const a = { pool: 'api', endpoint: 'a:80' };
    const b = { pool: 'api', endpoint: 'b:80' };
    expect(sampleValue(text, 'bulwark_gateway_endpoint_healthy', a)).toBe(1);
    expect(sampleValue(text, 'bulwark_gateway_endpoint_healthy', b)).toBe(0);
    expect(sampleValue(text, 'bulwark_gateway_endpoint_ejected', b)).toBe(1);
    expect(sampleValue(text, 'bulwark_gateway_endpoint_draining', b)).toBe(1);
    expect(sampleValue(text, 'bulwark_gateway_endpoint_maintenance', a)).toBe(0);
    expect(sampleValue(text, 'bulwark_gateway_endpoint_maintenance', b)).toBe(1);
    expect(sampleValue(text, 'bulwark_gateway_endpoint_weight', a)).toBe(1);
    expect(sampleValue(text, 'bulwark_gateway_endpoint_in_flight', a)).toBe(7);
    expect(sampleValue(text, 'bulwark_gateway_pool_healthy_share', { pool: 'api' })).toBe(0.5);
    expect(sampleValue(text, 'bulwark_gateway_pool_panic', { pool: 'api' })).toBe(1);
    expect(sampleValue(text, 'bulwark_gateway_pool_failover', { pool: 'api' })).toBe(0);
    expect(sampleValue(text, 'bulwark_gateway_pool_failover', { pool: 'backup' })).toBe(1);

    // A reload replaces the pools: series of the old graph disappear rather than freeze.
    pools = [{ name: 'v2', mode: 'normal', healthyShare: 1, endpoints: [] }];
    text = await metrics.metricsText();
    expect(sampleValue(text, 'bulwark_gateway_endpoint_healthy', a)).toBeUndefined();
    expect(sampleValue(text, 'bulwark_gateway_pool_panic', { pool: 'api' })).toBeUndefined();
    expect(sampleValue(text, 'bulwark_gateway_pool_panic', { pool: 'v2' })).toBe(0);
  });

  it('keeps counting across scrapes without double counting', async () => {
    const metrics = gatewayMetrics({ processMetrics: false });
    const name = 'bulwark_gateway_requests_total';
    const labels = { route: '0', pool: 'api', endpoint: ENDPOINT, status_class: '2xx' };
    publish.request(request({}));
    expect(sampleValue(await metrics.metricsText(), name, labels)).toBe(1);
    expect(sampleValue(await metrics.metricsText(), name, labels)).toBe(1);
    publish.request(request({}));
    publish.request(request({}));
    expect(sampleValue(await metrics.metricsText(), name, labels)).toBe(3);
  });

  it('keeps instances apart and stops listening on close', async () => {
    const first = gatewayMetrics({ processMetrics: false });
    const second = gatewayMetrics({ processMetrics: false });
    first.close();
    publish.request(request({}));
    const labels = { route: '0', pool: 'api', endpoint: ENDPOINT, status_class: '2xx' };
    expect(sampleValue(await first.metricsText(), 'bulwark_gateway_requests_total', labels)).toBeUndefined();
    expect(sampleValue(await second.metricsText(), 'bulwark_gateway_requests_total', labels)).toBe(1);
    second.close();
    expect(hasSubscribers(channelNames.request)).toBe(false);
  });

  it('adds Node process metrics with the bulwark_ prefix and states its content type', async () => {
    const metrics = gatewayMetrics();
    const text = await metrics.metricsText();
    expect(text).toContain('# TYPE bulwark_process_cpu_user_seconds_total counter');
    expect(text).toContain('bulwark_nodejs_heap_size_used_bytes');
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
