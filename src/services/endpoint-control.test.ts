import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { scriptedProbe } from '../../test/support/pool-fixtures.ts';
import { configSchema, type ConfigInput } from '../config/index.ts';
import { Gateway } from '../gateway/gateway.ts';
import {
  drainEndpoint,
  EndpointOverrides,
  listPools,
  markEndpointReady,
  putEndpointInMaintenance,
  setEndpointWeight,
  type EndpointControl,
} from './index.ts';

const gateways: Gateway[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.stop();
});

type EndpointsInput = ConfigInput['pools'][string]['endpoints'];

/** A gateway that is built but never started: no checks, no sockets, just state. */
function gatewayFor(endpoints: EndpointsInput): Gateway {
  const config = configSchema.parse({ pools: { api: { endpoints } }, routes: [{ pool: 'api' }] });
  const gateway = new Gateway(config, {
    clock: new FakeClock(),
    random: () => 0.5,
    healthProbeFor: scriptedProbe().healthProbeFor,
  });
  gateways.push(gateway);
  return gateway;
}

function setup(
  endpoints: EndpointsInput = [{ url: 'http://10.0.0.1:8000' }, { url: 'http://10.0.0.2:8000', weight: 3 }],
) {
  let gateway = gatewayFor(endpoints);
  const overrides = new EndpointOverrides({ now: () => new Date('2026-01-02T03:04:05Z') });
  const control: EndpointControl = { gateway: () => gateway, overrides };
  const endpoint = async (id: string) => (await listPools(control))[0]?.endpoints.find((e) => e.id === id);
  const replaceGateway = (next: Gateway): void => void (gateway = next);
  return { control, overrides, endpoint, replaceGateway };
}

describe('endpoint verbs', () => {
  it('drain, maintenance and ready change the live gateway and record the override', async () => {
    const { control, endpoint } = setup();
    const drained = drainEndpoint(control, 'api', '10.0.0.1:8000');
    expect(drained).toMatchObject({ state: 'draining', isServing: false });
    expect(drained.override).toEqual({ state: 'draining', setAt: '2026-01-02T03:04:05.000Z' });
    expect(putEndpointInMaintenance(control, 'api', '10.0.0.1:8000').state).toBe('maintenance');
    const ready = markEndpointReady(control, 'api', '10.0.0.1:8000');
    expect(ready).toMatchObject({ state: 'ready', isServing: true, override: null });
    expect((await endpoint('10.0.0.2:8000'))?.override).toBeNull();
  });

  it('sets a weight; the configured weight again clears that part of the override', () => {
    const { control } = setup();
    const view = setEndpointWeight(control, 'api', '10.0.0.2:8000', 7);
    expect(view.weight).toEqual({ configured: 3, current: 7, effective: 7 });
    expect(view.override).toMatchObject({ weight: 7 });
    drainEndpoint(control, 'api', '10.0.0.2:8000');
    const back = setEndpointWeight(control, 'api', '10.0.0.2:8000', 3);
    expect(back.override).toEqual({ state: 'draining', setAt: '2026-01-02T03:04:05.000Z' });
  });

  it('records "ready" as an override when the config drains the endpoint', () => {
    const { control } = setup([{ url: 'http://10.0.0.1:8000', drain: true }]);
    expect(markEndpointReady(control, 'api', '10.0.0.1:8000').override).toMatchObject({ state: 'ready' });
    expect(drainEndpoint(control, 'api', '10.0.0.1:8000').override).toBeNull();
  });

  it.each([0, -2, 1.5, 1001, Number.NaN])('refuses weight %s, naming the field', (weight) => {
    const { control } = setup();
    expect(() => setEndpointWeight(control, 'api', '10.0.0.1:8000', weight)).toThrow(
      expect.objectContaining({ code: 'SVC_INVALID', field: 'weight' }),
    );
  });

  it('names what exists when a pool or an endpoint does not', () => {
    const { control } = setup();
    expect(() => drainEndpoint(control, 'web', '10.0.0.1:8000')).toThrow(
      expect.objectContaining({ code: 'SVC_NOT_FOUND', message: 'no pool "web"; the pools are api' }),
    );
    expect(() => drainEndpoint(control, 'api', '10.9.9.9:8000')).toThrow(
      expect.objectContaining({
        code: 'SVC_NOT_FOUND',
        message: 'pool "api" has no endpoint "10.9.9.9:8000"; it has 10.0.0.1:8000, 10.0.0.2:8000',
      }),
    );
  });
});

describe('EndpointOverrides.applyTo (after a reload)', () => {
  it('re-applies overrides to the new gateway and drops those of endpoints it no longer has', async () => {
    const { control, overrides, endpoint, replaceGateway } = setup([
      { url: 'http://10.0.0.1:8000' },
      { url: 'http://10.0.0.2:8000' },
      { url: 'http://10.0.0.3:8000' },
    ]);
    drainEndpoint(control, 'api', '10.0.0.1:8000');
    setEndpointWeight(control, 'api', '10.0.0.2:8000', 5);
    putEndpointInMaintenance(control, 'api', '10.0.0.3:8000');

    const next = gatewayFor([{ url: 'http://10.0.0.1:8000' }, { url: 'http://10.0.0.2:8000' }]);
    expect(overrides.applyTo(next)).toEqual({
      applied: 2,
      dropped: [{ pool: 'api', endpoint: '10.0.0.3:8000' }],
    });
    replaceGateway(next);
    expect(await endpoint('10.0.0.1:8000')).toMatchObject({
      state: 'draining',
      override: { state: 'draining' },
    });
    expect((await endpoint('10.0.0.2:8000'))?.weight).toEqual({ configured: 1, current: 5, effective: 5 });
    expect(overrides.size).toBe(2);
  });

  it('drops the parts a new config now agrees with', async () => {
    const { control, overrides, endpoint, replaceGateway } = setup([{ url: 'http://10.0.0.1:8000' }]);
    drainEndpoint(control, 'api', '10.0.0.1:8000');
    setEndpointWeight(control, 'api', '10.0.0.1:8000', 4);
    const next = gatewayFor([{ url: 'http://10.0.0.1:8000', drain: true }]);
    overrides.applyTo(next);
    replaceGateway(next);
    expect((await endpoint('10.0.0.1:8000'))?.override).toEqual({
      weight: 4,
      setAt: '2026-01-02T03:04:05.000Z',
    });
  });
});
