import { channel } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { channelNames, type PoolModeEvent, type RequestEvent } from '../../core/index.ts';
import { GatewayMetrics } from '../../observability/index.ts';
import { ClusterMetrics } from './cluster-metrics.ts';
import { apiPoolWith, workerRegistrySeeing } from './pool-status.test-support.ts';

const requests = channel(channelNames.request);
const poolModes = channel(channelNames.poolMode);

/** A worker's registry after it finished requests with these statuses and durations. */
async function workerWith(answers: readonly [status: number, durationMs: number][]) {
  const metrics = new GatewayMetrics({ processMetrics: false });
  for (const [status, durationMs] of answers) {
    const event: RequestEvent = {
      requestId: 'r',
      method: 'GET',
      path: '/',
      route: '0',
      pool: 'api',
      endpoint: '10.0.0.1:80',
      status,
      durationMs,
      attempts: 1,
    };
    requests.publish(event);
  }
  metrics.close();
  return metrics.registry.getMetricsAsJSON();
}

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe('ClusterMetrics', () => {
  const requests2xx =
    'bulwark_gateway_requests_total{route="0",pool="api",endpoint="10.0.0.1:80",status_class="2xx"}';
  const durationCount = 'bulwark_gateway_request_duration_seconds_count{route="0",pool="api"}';
  const fastBucket = 'bulwark_gateway_request_duration_seconds_bucket{route="0",pool="api",le="0.005"}';

  it('sums HotCounter and HotHistogram series across workers, with requests per worker, then the text series', async () => {
    const first = await workerWith([
      [200, 2],
      [200, 3],
      [200, 4],
    ]);
    const second = await workerWith([
      [200, 2],
      [502, 2_000],
    ]);
    const primary = new GatewayMetrics({ processMetrics: false, poolStatus: () => [] });
    primary.addTextSeries(() => '# HELP bulwark_monitor_up Up.\n# TYPE bulwark_monitor_up gauge\n');
    const text = await new ClusterMetrics(primary).text([
      { workerId: 1, slot: 0, metrics: first },
      { workerId: 2, slot: 1, metrics: second },
    ]);
    expect(sample(text, requests2xx)).toBe(4);
    expect(sample(text, requests2xx.replace('2xx', '5xx'))).toBe(1);
    expect(sample(text, durationCount)).toBe(5);
    expect(sample(text, fastBucket)).toBe(4);
    expect(sample(text, 'bulwark_gateway_worker_requests_total{worker="0"}')).toBe(3);
    expect(sample(text, 'bulwark_gateway_worker_requests_total{worker="1"}')).toBe(2);
    // The primary's text series (monitors) follow the merged registries.
    expect(text.endsWith('\n\n# HELP bulwark_monitor_up Up.\n# TYPE bulwark_monitor_up gauge\n')).toBe(true);
    primary.close();
  });

  it('keeps the counters of a worker that exited, so totals never go backwards', async () => {
    const first = await workerWith([
      [200, 2],
      [200, 2],
    ]);
    const second = await workerWith([[200, 2]]);
    const primary = new GatewayMetrics({ processMetrics: false });
    const cluster = new ClusterMetrics(primary);
    await cluster.text([
      { workerId: 1, slot: 0, metrics: first },
      { workerId: 2, slot: 1, metrics: second },
    ]);
    await cluster.retire(1);
    const text = await cluster.text([{ workerId: 2, slot: 1, metrics: second }]);
    expect(sample(text, requests2xx)).toBe(3);
    expect(sample(text, durationCount)).toBe(3);
    expect(sample(text, 'bulwark_gateway_worker_requests_total{worker="0"}')).toBeUndefined();
    primary.close();
  });

  it('counts a live worker that did not answer this scrape with its last scrape, so totals never go backwards', async () => {
    const first = await workerWith([
      [200, 2],
      [200, 2],
    ]);
    const second = await workerWith([[200, 2]]);
    const primary = new GatewayMetrics({ processMetrics: false });
    const cluster = new ClusterMetrics(primary);
    await cluster.text([
      { workerId: 1, slot: 0, metrics: first },
      { workerId: 2, slot: 1, metrics: second },
    ]);
    // Worker 1 is alive but stalled past the scrape timeout: it is missing from this scrape.
    const text = await cluster.text([{ workerId: 2, slot: 1, metrics: second }]);
    expect(sample(text, requests2xx)).toBe(3);
    expect(sample(text, durationCount)).toBe(3);
    expect(sample(text, 'bulwark_gateway_worker_requests_total{worker="0"}')).toBe(2);
    const json = await cluster.json([{ workerId: 2, slot: 1, metrics: second }]);
    const requests = json.find((metric) => metric.name === 'bulwark_gateway_requests_total');
    expect(requests?.values.reduce((sum, { value }) => sum + value, 0)).toBe(3);
    primary.close();
  });

  it('does not count a worker twice when its last scrape arrives after it exited', async () => {
    const first = await workerWith([[200, 2]]);
    const firstLater = await workerWith([
      [200, 2],
      [200, 2],
    ]);
    const second = await workerWith([[200, 2]]);
    const primary = new GatewayMetrics({ processMetrics: false });
    const cluster = new ClusterMetrics(primary);
    await cluster.text([
      { workerId: 1, slot: 0, metrics: first },
      { workerId: 2, slot: 1, metrics: second },
    ]);
    await cluster.retire(1);
    // The scrape was asked before worker 1 died and answered; it is merged after the exit was handled.
    const late = await cluster.text([
      { workerId: 1, slot: 0, metrics: firstLater },
      { workerId: 2, slot: 1, metrics: second },
    ]);
    expect(sample(late, requests2xx)).toBe(2);
    const next = await cluster.text([{ workerId: 2, slot: 1, metrics: second }]);
    expect(sample(next, requests2xx)).toBe(2);
    primary.close();
  });

  it('reports what only workers see (ejection, its slow-start ramp, healthy share, panic) as the worst worker has it', async () => {
    // The primary runs no traffic: to it both endpoints are in rotation.
    const primary = new GatewayMetrics({ processMetrics: false, poolStatus: () => [apiPoolWith({})] });
    const ejecting = await workerRegistrySeeing(
      apiPoolWith({ isEjected: true, ejections: 1 }, { healthyShare: 0.5, mode: 'panic' }),
    );
    const ramping = await workerRegistrySeeing(
      apiPoolWith({ effectiveWeight: 1, slowStartRemainingMs: 500 }),
    );
    const text = await new ClusterMetrics(primary).text([
      { workerId: 1, slot: 0, metrics: ejecting },
      { workerId: 2, slot: 1, metrics: ramping },
    ]);
    const b = '{pool="api",endpoint="b:80"}';
    expect(sample(text, `bulwark_gateway_endpoint_ejected${b}`)).toBe(1);
    expect(sample(text, 'bulwark_gateway_endpoint_ejected{pool="api",endpoint="a:80"}')).toBe(0);
    expect(sample(text, `bulwark_gateway_endpoint_weight${b}`)).toBe(1);
    expect(sample(text, 'bulwark_gateway_pool_healthy_share{pool="api"}')).toBe(0.5);
    expect(sample(text, 'bulwark_gateway_pool_panic{pool="api"}')).toBe(1);
    expect(sample(text, 'bulwark_gateway_pool_failover{pool="api"}')).toBe(0);
    // Decided by the primary and mirrored by the workers: its value, not a sum over the processes.
    expect(sample(text, `bulwark_gateway_endpoint_healthy${b}`)).toBe(1);
    primary.close();
  });

  it('counts a pool mode change that the primary and every worker saw once, and keeps it when a worker exits', async () => {
    // One admin drain: the primary's pool fails over, and each worker's as it applies the snapshot.
    const primary = new GatewayMetrics({ processMetrics: false });
    const workers = [
      new GatewayMetrics({ processMetrics: false }),
      new GatewayMetrics({ processMetrics: false }),
    ];
    const event: PoolModeEvent = { pool: 'api', mode: 'failover', healthyShare: 0, failoverTo: 'backup' };
    poolModes.publish(event);
    for (const metrics of [primary, ...workers]) metrics.close();
    const [first, second] = await Promise.all(workers.map((metrics) => metrics.registry.getMetricsAsJSON()));
    const scrapes = [
      { workerId: 1, slot: 0, metrics: first! },
      { workerId: 2, slot: 1, metrics: second! },
    ];
    const cluster = new ClusterMetrics(primary);
    const series = 'bulwark_gateway_pool_mode_changes_total{pool="api",mode="failover"}';
    expect(sample(await cluster.text(scrapes), series)).toBe(1);
    await cluster.retire(1);
    expect(sample(await cluster.text(scrapes.slice(1)), series)).toBe(1);
  });
});
