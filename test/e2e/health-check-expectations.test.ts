import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulwark, type RunningBulwark } from '../../src/app.ts';
import { configSchema } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import type { EndpointView, PoolView } from '../../src/services/index.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

let bulwark: RunningBulwark | undefined;
const upstreams: TestUpstream[] = [];
const logLines: string[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
  logLines.length = 0;
});

/** An LLM server whose /health answers 200 while the model loads, saying so only in its body. */
async function loadingModelServer() {
  const state = { isLoaded: false, checks: [] as IncomingHttpHeaders[] };
  const upstream = await startTestUpstream((req, res) => {
    if (req.url !== '/health') return res.writeHead(200).end('completion');
    state.checks.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: state.isLoaded ? 'ok' : 'loading' }));
  });
  upstreams.push(upstream);
  return Object.assign(state, { url: upstream.url, id: new URL(upstream.url).host });
}

async function endpointView(id: string): Promise<EndpointView> {
  const res = await request(`${bulwark!.adminUrl}/api/v1/pools`);
  const { pools } = (await res.body.json()) as { pools: PoolView[] };
  return pools[0]!.endpoints.find((view) => view.id === id)!;
}

describe('pool health_check: host, headers and expect_body', () => {
  it('holds a 200 "loading" endpoint unhealthy, saying why in GET /api/v1/pools and the log', async () => {
    const model = await loadingModelServer();
    const config = configSchema.parse({
      listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
      logging: { level: 'info' },
      pools: {
        llm: {
          endpoints: [{ url: model.url }],
          health_check: {
            path: '/health',
            interval: '20ms',
            unhealthy_threshold: 1,
            healthy_threshold: 1,
            host: 'llm.internal',
            headers: { Authorization: 'Bearer probe-secret-123' },
            expect_body: '"status":"ok"',
          },
        },
      },
      routes: [{ pool: 'llm' }],
    });
    const destination = { write: (line: string) => void logLines.push(line) };
    bulwark = await startBulwark(config, { logger: createLogger({ level: 'info', destination }) });
    const reason = 'body does not contain "\\"status\\":\\"ok\\""; it began "{\\"status\\":\\"loading\\"}"';

    await eventually(async () => !(await endpointView(model.id)).isHealthy, 5_000, 'the endpoint down');
    expect((await endpointView(model.id)).lastCheckFailure).toBe(reason);
    await eventually(() => logLines.some((line) => line.includes('failed its health check')), 5_000, 'log');
    const logged = JSON.parse(logLines.find((line) => line.includes('failed its health check'))!) as {
      detail: string;
    };
    expect(logged.detail).toBe(`1 consecutive failed checks; last: ${reason}`);
    expect(model.checks[0]).toMatchObject({ host: 'llm.internal', authorization: 'Bearer probe-secret-123' });

    model.isLoaded = true;
    await eventually(async () => (await endpointView(model.id)).isHealthy, 5_000, 'the endpoint up');
    expect((await endpointView(model.id)).lastCheckFailure).toBeNull();
    expect(logLines.join('\n')).not.toContain('probe-secret-123');
  });
});
