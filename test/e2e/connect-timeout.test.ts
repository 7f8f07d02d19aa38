import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type AttemptEvent } from '../../src/core/events.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { eventually, startTestGateway } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { nodeBinary } from '../support/node-binary.ts';
import { startTestUpstream } from '../support/test-upstream.ts';

/**
 * A listener that never accepts: a child process listens with a backlog of 1 and then blocks its event loop,
 * so once two filler connections take the queue's places the kernel drops further SYNs and a connect hangs,
 * as it does to a host that vanished behind a firewall.
 */
async function startBlackhole(): Promise<{ url: string; fillers: Socket[]; child: ChildProcess }> {
  const script = `const s = require('node:net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});`;
  const child = spawn(nodeBinary, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(String(line).trim());
  const fillers = [0, 1].map(() => connect(port, '127.0.0.1').on('error', () => undefined));
  await Promise.all(fillers.map((filler) => once(filler, 'connect')));
  return { url: `http://127.0.0.1:${port}`, fillers, child };
}

let gateway: Pick<LimitedGateway, 'url' | 'stop'> | undefined;
let blackhole: Awaited<ReturnType<typeof startBlackhole>> | undefined;

afterEach(async () => {
  await gateway?.stop();
  for (const filler of blackhole?.fillers ?? []) filler.destroy();
  blackhole?.child.kill('SIGKILL');
  gateway = blackhole = undefined;
});

describe('timeouts.connect', () => {
  it('fails a connect that hangs after the configured time, not on undici’s coarse half-second clock', async () => {
    blackhole = await startBlackhole();
    gateway = await startLimitedGateway({
      pools: {
        api: { endpoints: [{ url: blackhole.url }], outlier_detection: { consecutive_failures: 100 } },
      },
      routes: [{ pool: 'api', timeouts: { connect: '100ms' }, retry: { attempts: 1 } }],
    });
    const startedMs = performance.now();
    const res = await request(gateway.url);
    const elapsedMs = performance.now() - startedMs;
    const body = (await res.body.json()) as { error: { code: string; message: string } };
    expect(res.statusCode).toBe(504);
    expect(body.error.code).toBe('GW_UPSTREAM_TIMEOUT');
    // undici's own timer fired this one after about a second (measured 1,008 ms); a generous bound.
    expect(elapsedMs).toBeLessThan(800);
  });

  it("keeps a route's timeout when another route of the pool turns its own off (0s)", async () => {
    blackhole = await startBlackhole();
    gateway = await startLimitedGateway({
      pools: {
        api: { endpoints: [{ url: blackhole.url }], outlier_detection: { consecutive_failures: 100 } },
      },
      routes: [
        { match: { path_prefix: '/untimed/' }, pool: 'api', timeouts: { connect: '0s', total: '2s' } },
        { pool: 'api', timeouts: { connect: '100ms' }, retry: { attempts: 1 } },
      ],
    });
    const startedMs = performance.now();
    const res = await request(gateway.url);
    await res.body.dump();
    expect(res.statusCode).toBe(504);
    // Without the fix the pool's connect has no timeout and only the 120 s total would end this.
    expect(performance.now() - startedMs).toBeLessThan(800);
  });
});

describe('timeouts.connect on the injected clock', () => {
  it('fails a hanging connect when the clock says its time is up, as every other gateway timeout', async () => {
    blackhole = await startBlackhole();
    const clock = new FakeClock();
    gateway = await startTestGateway(
      {
        pools: {
          api: { endpoints: [{ url: blackhole.url }], outlier_detection: { consecutive_failures: 100 } },
        },
        routes: [{ pool: 'api', timeouts: { connect: '5s' }, retry: { attempts: 1 } }],
      },
      { clock },
    );
    const attempts = captureChannel<AttemptEvent>(channelNames.attempt);
    try {
      const response = request(gateway.url);
      // No real 5 s passes here: only the fake clock, a second a step, can end the connect. Were the timer
      // not on it, the route's 120 s total would end the request first (phase 'total').
      await eventually(
        () => {
          clock.advance(1_000);
          return attempts.events.length > 0;
        },
        5_000,
        'the attempt to time out',
      );
      const res = await response;
      await res.body.dump();
      expect(res.statusCode).toBe(504);
      expect(attempts.events[0]?.outcome).toMatchObject({ kind: 'timeout', phase: 'connect' });
    } finally {
      attempts.stop();
    }
  });
});

describe('a connect timeout is a connect failure', () => {
  it('is retried on another endpoint, for a POST too: the request never reached the upstream', async () => {
    blackhole = await startBlackhole();
    const good = await startTestUpstream((req, res) => req.pipe(res));
    try {
      gateway = await startLimitedGateway({
        pools: { api: { balancer: 'round-robin', endpoints: [{ url: blackhole.url }, { url: good.url }] } },
        routes: [{ pool: 'api', timeouts: { connect: '100ms' }, retry: { attempts: 2 } }],
      });
      for (let i = 0; i < 2; i++) {
        const res = await request(gateway.url, { method: 'POST', body: `payload ${i}` });
        expect(res.statusCode).toBe(200);
        expect(await res.body.text()).toBe(`payload ${i}`);
      }
    } finally {
      await good.close();
    }
  });
});
