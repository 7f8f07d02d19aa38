import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulwark, type RunningBulwark } from '../../src/app.ts';
import { configSchema } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { countingUpstream } from '../support/overload-fixtures.ts';
import type { TestUpstream } from '../support/test-upstream.ts';

let bulwark: RunningBulwark | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

describe('the last endpoint in rotation, kept in spite of its Retry-After', () => {
  it('is logged once and counted as kept_last, while it keeps serving every request', async () => {
    const busy = await countingUpstream(upstreams, (_req, res) => {
      res.writeHead(503, { 'retry-after': '30' });
      res.end('queue full');
    });
    const config = configSchema.parse({
      listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
      logging: { level: 'info' },
      pools: { solo: { endpoints: [{ url: busy.url }] } },
      routes: [{ pool: 'solo', retry: { attempts: 1 } }],
    });
    const lines: string[] = [];
    const destination = { write: (line: string) => void lines.push(line) };
    bulwark = await startBulwark(config, { logger: createLogger({ level: 'info', destination }) });

    for (let i = 0; i < 5; i++) {
      const res = await request(bulwark.gatewayUrl);
      await res.body.dump();
      expect(res.statusCode).toBe(503);
    }
    expect(busy.served()).toBe(5);

    const coolDownLogs = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record['event'] === 'cool-down');
    const id = new URL(busy.url).host;
    expect(coolDownLogs).toEqual([
      expect.objectContaining({
        level: 'warn',
        pool: 'solo',
        endpoint: id,
        status: 503,
        retryAfterMs: 30_000,
        coolDownMs: 30_000,
        reason: 'last endpoint in rotation',
      }),
    ]);
    const metrics = await (await request(`${bulwark.adminUrl}/metrics`)).body.text();
    expect(metrics).toContain(`bulwark_gateway_cool_downs_kept_last_total{pool="solo",endpoint="${id}"} 1`);
    // It never left rotation: nothing is counted as a cool-down.
    expect(metrics).not.toMatch(/^bulwark_gateway_cool_downs_total\{pool="solo"/m);
  });
});
