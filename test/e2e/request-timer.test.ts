import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import { startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * A request's timeouts (total, first byte, idle) share one timer (src/gateway/exchange.ts): set for the
 * earliest deadline known, re-checked when it fires. These pin down that each deadline still counts from its
 * own moment, and that the common case costs one timer.
 */

let gateway: TestGateway | undefined;
let upstream: TestUpstream | undefined;

afterEach(async () => {
  await gateway?.stop();
  await upstream?.close();
  gateway = upstream = undefined;
});

const route = (timeouts: Record<string, string>) => ({ match: { path_prefix: '/' }, pool: 'api', timeouts });

describe("a request's one timer", () => {
  it('creates one timer for a request answered in time', async () => {
    upstream = await startTestUpstream((_req, res) => res.end('ok'));
    let timersSet = 0;
    const countingClock: Clock = {
      nowMs: () => systemClock.nowMs(),
      setTimer: (delayMs, fn) => {
        timersSet += 1;
        return systemClock.setTimer(delayMs, fn);
      },
    };
    gateway = await startTestGateway(
      { pools: { api: { endpoints: [{ url: upstream.url }] } }, routes: [route({})] },
      { clock: countingClock },
    );
    const before = timersSet;
    for (let i = 0; i < 20; i++) expect(await (await request(gateway.url)).body.text()).toBe('ok');
    expect(timersSet - before).toBe(20);
  });

  it('waits for a first byte slower than the idle timeout: idle counts only from the headers on', async () => {
    upstream = await startTestUpstream((_req, res) => {
      setTimeout(() => res.end('late but in time'), 400);
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [route({ first_byte: '3s', idle: '150ms' })],
    });
    const res = await request(gateway.url);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('late but in time');
  });

  it('times a body that stalls after late headers by idle, not by the later first-byte deadline', async () => {
    // The timer fires at 300 ms (idle) while headers are still due, and re-arms for the first byte at 3 s;
    // the headers at 400 ms must bring it forward to the idle deadline at 700 ms.
    upstream = await startTestUpstream((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('part of it');
      }, 400);
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [route({ first_byte: '3s', idle: '300ms', total: '30s' })],
    });
    const startedMs = performance.now();
    const res = await request(gateway.url);
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
    expect(performance.now() - startedMs).toBeLessThan(2_000);
  });
});
