import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { scriptedProbe } from '../../../test/support/pool-fixtures.ts';
import { configSchema } from '../../config/index.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { healthVerdictsOf } from '../../gateway/health-verdicts.ts';
import { controlSnapshotOf } from './messages.ts';
import { applySnapshot } from './worker.ts';

const gateways: Gateway[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.stop();
});

function gatewayWithChecks(clock: FakeClock): Gateway {
  const config = configSchema.parse({
    pools: {
      api: {
        health_check: { interval: '1s' },
        endpoints: [{ url: 'http://10.0.0.1:8000' }, { url: 'http://10.0.0.2:8000' }],
      },
    },
    routes: [{ pool: 'api' }],
  });
  const gateway = new Gateway(config, {
    clock,
    random: () => 0.5,
    healthProbeFor: scriptedProbe().healthProbeFor,
  });
  gateways.push(gateway);
  return gateway;
}

describe('health decided elsewhere (cluster workers)', () => {
  it('start without active checks schedules no probe', () => {
    const clock = new FakeClock();
    gatewayWithChecks(clock).start({ activeHealthChecks: false });
    expect(clock.pendingTimers).toBe(0);
    gatewayWithChecks(clock).start();
    expect(clock.pendingTimers).toBe(2);
  });

  it('applyHealth takes pushed verdicts out of rotation and back, ignoring unknown endpoints', () => {
    const gateway = gatewayWithChecks(new FakeClock());
    gateway.applyHealth([
      { pool: 'api', endpoint: '10.0.0.1:8000', isHealthy: false },
      { pool: 'api', endpoint: '10.9.9.9:8000', isHealthy: false },
      { pool: 'web', endpoint: '10.0.0.2:8000', isHealthy: false },
    ]);
    expect(healthVerdictsOf(gateway.status())).toEqual([
      { pool: 'api', endpoint: '10.0.0.1:8000', isHealthy: false },
      { pool: 'api', endpoint: '10.0.0.2:8000', isHealthy: true },
    ]);
    expect(gateway.status()[0]?.healthyShare).toBe(0.5);
    gateway.applyHealth([{ pool: 'api', endpoint: '10.0.0.1:8000', isHealthy: true }]);
    expect(gateway.status()[0]?.healthyShare).toBe(1);
  });

  it('applySnapshot mirrors the primary: verdicts, drain state and run-time weights', () => {
    const primary = gatewayWithChecks(new FakeClock());
    primary.applyHealth([{ pool: 'api', endpoint: '10.0.0.2:8000', isHealthy: false }]);
    primary.setEndpointState('api', '10.0.0.1:8000', 'draining');
    primary.setEndpointWeight('api', '10.0.0.1:8000', 7);
    const worker = gatewayWithChecks(new FakeClock());
    applySnapshot(worker, controlSnapshotOf(primary.status()));
    const [first, second] = worker.status()[0]?.endpoints ?? [];
    expect(first).toMatchObject({ adminState: 'draining', weight: 7, isHealthy: true });
    expect(second).toMatchObject({ adminState: 'ready', weight: 1, isHealthy: false });
  });
});
