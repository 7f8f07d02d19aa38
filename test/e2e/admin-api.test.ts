import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulwark, type RunningBulwark } from '../../src/app.ts';
import { configSchema } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import type { EndpointView, PoolView } from '../../src/services/index.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const token = 'test-admin-token-0123456789abcdef';
let bulwark: RunningBulwark | undefined;
const upstreams: TestUpstream[] = [];
const logLines: string[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
  logLines.length = 0;
});

/** An upstream that counts what reaches it; `/hold` requests wait until release(). */
interface CountingUpstream {
  readonly id: string;
  received: number;
  readonly held: ServerResponse[];
  release(): void;
}

async function countingUpstream(): Promise<CountingUpstream> {
  const state = { received: 0, held: [] as ServerResponse[] };
  const upstream = await startTestUpstream((req, res) => {
    state.received += 1;
    if (req.url === '/hold') state.held.push(res);
    else res.writeHead(200).end('ok');
  });
  upstreams.push(upstream);
  return Object.assign(state, {
    id: new URL(upstream.url).host,
    release: () => state.held.splice(0).forEach((res) => res.writeHead(200).end('released')),
  });
}

async function start(
  endpoints: readonly CountingUpstream[],
  options: { tokens?: string[]; balancer?: string; slowStart?: string } = {},
): Promise<RunningBulwark> {
  const config = configSchema.parse({
    listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
    logging: { level: 'info' },
    admin: { tokens: options.tokens ?? [token] },
    pools: {
      api: {
        balancer: options.balancer ?? 'round-robin',
        endpoints: endpoints.map((e) => ({ url: `http://${e.id}` })),
        ...(options.slowStart && { slow_start: options.slowStart }),
      },
    },
    routes: [{ pool: 'api', retry: { attempts: 1 } }],
  });
  const destination = { write: (line: string) => void logLines.push(line) };
  bulwark = await startBulwark(config, { logger: createLogger({ level: 'info', destination }) });
  return bulwark;
}

/** Every admin answer is one of these shapes. */
interface AdminBody {
  readonly pools?: PoolView[];
  readonly endpoint?: EndpointView;
  readonly error?: { readonly code: string; readonly message: string; readonly field?: string };
}

async function admin(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: { auth?: string | null; body?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; json: AdminBody }> {
  const auth = options.auth === undefined ? `Bearer ${token}` : options.auth;
  const headers = { ...(auth !== null && { authorization: auth }), 'content-type': 'application/json' };
  const res = await request(`${bulwark!.adminUrl}${path}`, { method, headers, body: options.body ?? null });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: (text ? JSON.parse(text) : {}) as AdminBody };
}

const endpointPath = (e: CountingUpstream, verb: string): string =>
  `/api/v1/pools/api/endpoints/${encodeURIComponent(e.id)}/${verb}`;

async function endpointView(e: CountingUpstream): Promise<EndpointView> {
  const { json } = await admin('GET', '/api/v1/pools');
  return json.pools![0]!.endpoints.find((view) => view.id === e.id)!;
}

async function send(count: number, path = '/'): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const res = await request(`${bulwark!.gatewayUrl}${path}`);
      await res.body.dump();
      return res.statusCode;
    }),
  );
}

describe('admin API: authorization', () => {
  it('keeps writes off, and says why, when no token is configured; reads stay open', async () => {
    const a = await countingUpstream();
    await start([a], { tokens: [] });
    const refused = await admin('POST', endpointPath(a, 'drain'), { auth: null });
    expect(refused.status).toBe(403);
    expect(refused.json.error?.code).toBe('ADMIN_WRITES_DISABLED');
    expect(refused.json.error?.message).toContain('admin.tokens');
    expect((await admin('GET', '/api/v1/pools', { auth: null })).status).toBe(200);
    expect((await request(`${bulwark!.adminUrl}/metrics`)).statusCode).toBe(200);
    expect((await endpointView(a)).state).toBe('ready');
  });

  it('answers 401 with WWW-Authenticate for a missing or wrong token, 200 for the right one', async () => {
    const a = await countingUpstream();
    await start([a]);
    for (const auth of [null, 'Bearer not-the-token', `Basic ${token}`, token]) {
      const res = await admin('POST', endpointPath(a, 'drain'), { auth });
      expect(res.status).toBe(401);
      expect(res.json.error?.code).toBe('ADMIN_UNAUTHORIZED');
      expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /);
    }
    expect((await endpointView(a)).state).toBe('ready');
    expect((await admin('POST', endpointPath(a, 'drain'))).status).toBe(200);
    expect(logLines.join('\n')).not.toContain(token);
  });
});

describe('admin API: pools and endpoints', () => {
  it('lists pools with health, ejections, weights, in-flight, state and overrides', async () => {
    const a = await countingUpstream();
    const b = await countingUpstream();
    await start([a, b]);
    const { status, json } = await admin('GET', '/api/v1/pools', { auth: null });
    expect(status).toBe(200);
    expect(json).toEqual({
      pools: [
        {
          name: 'api',
          mode: 'normal',
          healthyShare: 1,
          endpoints: [a, b].map((e) => ({
            id: e.id,
            url: `http://${e.id}/`,
            state: 'ready',
            isServing: true,
            isHealthy: true,
            lastCheckFailure: null,
            isEjected: false,
            isCoolingDown: false,
            ejections: 0,
            inFlight: 0,
            weight: { configured: 1, current: 1, effective: 1 },
            slowStartRemainingMs: 0,
            override: null,
          })),
        },
      ],
    });
  });

  it('drains under load: in-flight requests finish, no new request reaches the endpoint', async () => {
    const a = await countingUpstream();
    const b = await countingUpstream();
    await start([a, b]);
    const holding = send(10, '/hold');
    await eventually(() => a.held.length + b.held.length === 10, 5_000, 'ten held requests');
    expect(a.held.length).toBeGreaterThan(0);
    const steady = steadyLoad();

    const drained = await admin('POST', endpointPath(a, 'drain'));
    expect(drained.status).toBe(200);
    expect(drained.json.endpoint).toMatchObject({ state: 'draining', override: { state: 'draining' } });
    // Requests picked just before the drain may still be on their way; wait until only held ones remain.
    await eventually(async () => (await endpointView(a)).inFlight === a.held.length, 5_000, 'settled');
    const receivedAtDrain = a.received;
    const heldAtA = a.held.length;

    await eventually(() => steady.completed >= 60, 10_000, 'more load after the drain');
    expect(await send(20)).toEqual(Array(20).fill(200));
    expect(a.received).toBe(receivedAtDrain);
    expect((await endpointView(a)).inFlight).toBe(heldAtA);
    expect(await metric('bulwark_gateway_endpoint_draining', a)).toBe(1);

    a.release();
    b.release();
    expect(await holding).toEqual(Array(10).fill(200));
    expect(await steady.stop()).toEqual([]);
    expect((await endpointView(a)).inFlight).toBe(0);
  });

  it('shifts traffic with a weight change, and ready restores a drained endpoint', async () => {
    const a = await countingUpstream();
    const b = await countingUpstream();
    await start([a, b], { balancer: 'weighted-round-robin' });
    const weighted = await admin('PUT', endpointPath(a, 'weight'), { body: '{"weight": 3}' });
    expect(weighted.status).toBe(200);
    expect(weighted.json.endpoint?.weight).toEqual({ configured: 1, current: 3, effective: 3 });
    expect(weighted.json.endpoint?.override).toMatchObject({ weight: 3 });
    let shares = await sharesOf([a, b], 400);
    expect(shares[0]).toBeCloseTo(0.75, 1);

    await admin('POST', endpointPath(a, 'drain'));
    expect((await sharesOf([a, b], 40))[0]).toBe(0);
    const ready = await admin('POST', endpointPath(a, 'ready'));
    expect(ready.json.endpoint).toMatchObject({ state: 'ready', override: { weight: 3 } });
    expect(ready.json.endpoint?.override?.state).toBeUndefined();
    shares = await sharesOf([a, b], 400);
    expect(shares[0]).toBeCloseTo(0.75, 1);
  });

  it('maintenance takes the endpoint out and shows in the API and metrics', async () => {
    const a = await countingUpstream();
    const b = await countingUpstream();
    await start([a, b]);
    const res = await admin('POST', endpointPath(a, 'maintenance'));
    expect(res.json.endpoint).toMatchObject({ state: 'maintenance', isServing: false });
    expect((await sharesOf([a, b], 20))[0]).toBe(0);
    expect(await metric('bulwark_gateway_endpoint_maintenance', a)).toBe(1);
    await admin('POST', endpointPath(a, 'ready'));
    expect(await metric('bulwark_gateway_endpoint_maintenance', a)).toBe(0);
  });

  it('ramps an endpoint set ready again when the pool has slow_start', async () => {
    const a = await countingUpstream();
    const b = await countingUpstream();
    await start([a, b], { balancer: 'weighted-round-robin', slowStart: '60s' });
    await admin('POST', endpointPath(a, 'drain'));
    const view = (await admin('POST', endpointPath(a, 'ready'))).json.endpoint!;
    expect(view.weight.effective).toBeLessThan(0.2);
    expect(view.slowStartRemainingMs).toBeGreaterThan(50_000);
    expect((await sharesOf([a, b], 100))[0]).toBeLessThan(0.2);
  });

  it('answers 400 naming the field for a bad weight, 404 for an unknown pool or endpoint', async () => {
    const a = await countingUpstream();
    await start([a]);
    for (const body of ['{"weight": "heavy"}', '{"weight": 0}', '{"weight": 2.5}', '{}', 'weight=3', '']) {
      const res = await admin('PUT', endpointPath(a, 'weight'), { body });
      expect(res.status, body).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'ADMIN_BAD_REQUEST', field: 'weight' });
    }
    const unknownEndpoint = await admin('POST', '/api/v1/pools/api/endpoints/127.0.0.1%3A1/drain');
    expect(unknownEndpoint.status).toBe(404);
    expect(unknownEndpoint.json.error?.message).toContain(a.id);
    const unknownPool = await admin('POST', `/api/v1/pools/web/endpoints/${a.id}/drain`);
    expect(unknownPool.status).toBe(404);
    expect(unknownPool.json.error?.code).toBe('ADMIN_NOT_FOUND');
    expect((await admin('GET', endpointPath(a, 'drain'))).status).toBe(405);
  });
});

/** Requests two at a time until stop(); resolves with the statuses that were not 200. */
function steadyLoad(): { completed: number; stop(): Promise<number[]> } {
  const failures: number[] = [];
  let isRunning = true;
  const state = { completed: 0 };
  const worker = async (): Promise<void> => {
    while (isRunning) {
      const [status] = await send(1);
      state.completed += 1;
      if (status !== 200) failures.push(status ?? 0);
    }
  };
  const workers = [worker(), worker()];
  return Object.assign(state, {
    stop: async () => {
      isRunning = false;
      await Promise.all(workers);
      return failures;
    },
  });
}

async function sharesOf(endpoints: readonly CountingUpstream[], count: number): Promise<number[]> {
  const before = endpoints.map((e) => e.received);
  for (let i = 0; i < count; i += 20) await send(20);
  return endpoints.map((e, i) => (e.received - before[i]!) / count);
}

async function metric(name: string, e: CountingUpstream): Promise<number | undefined> {
  const text = await (await request(`${bulwark!.adminUrl}/metrics`)).body.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{pool="api",endpoint="${e.id}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}
