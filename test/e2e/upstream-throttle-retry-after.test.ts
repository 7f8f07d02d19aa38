import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.ts';
import { startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { countingUpstream, send, type Answer } from '../support/overload-fixtures.ts';
import type { TestUpstream } from '../support/test-upstream.ts';

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

/** An upstream whose queue is full: every answer is a 503, with this Retry-After when given. */
function drowningUpstream(retryAfter: string | undefined) {
  return countingUpstream(upstreams, (_req, res) => {
    res.writeHead(503, retryAfter === undefined ? {} : { 'retry-after': retryAfter });
    res.end('queue full');
  });
}

async function throttledAnswers(url: string, path: string, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) answers.push(await send(url, {}, path));
  return answers.filter((answer) => answer.code === 'GW_THROTTLED');
}

describe("upstream_throttle's 503: Retry-After from the refusals it counted", () => {
  it('passes on the latest Retry-After in force, capped by max_cool_down, and 1 s when none came', async () => {
    const clock = new FakeClock();
    const asking = await drowningUpstream('30');
    const silent = await drowningUpstream(undefined);
    const throttled = { upstream_throttle: { k: 2 }, max_cool_down: '20s' };
    gateway = await startTestGateway(
      {
        pools: {
          asking: { endpoints: [{ url: asking.url }], ...throttled },
          silent: { endpoints: [{ url: silent.url }], ...throttled },
        },
        routes: [
          { match: { path_prefix: '/asking' }, pool: 'asking', retry: { attempts: 1 } },
          { pool: 'silent', retry: { attempts: 1 } },
        ],
      },
      { clock },
    );
    const asked = await throttledAnswers(gateway.url, '/asking', 50);
    expect(asked.length).toBeGreaterThan(20);
    // The upstream asked for 30 s; max_cool_down caps what Bulwark honours at 20 s.
    expect(new Set(asked.map((answer) => answer.headers['retry-after']))).toEqual(new Set(['20']));

    const unasked = await throttledAnswers(gateway.url, '/silent', 50);
    expect(unasked.length).toBeGreaterThan(20);
    expect(new Set(unasked.map((answer) => answer.headers['retry-after']))).toEqual(new Set(['1']));

    // 15 s on, what is left of the 20 s, until a request that gets through brings a fresh 30 s (capped to 20).
    clock.advance(15_000);
    let expected = '5';
    for (let i = 0; i < 10; i++) {
      const answer = await send(gateway.url, {}, '/asking');
      if (answer.code !== 'GW_THROTTLED') expected = '20';
      else expect(answer.headers['retry-after']).toBe(expected);
    }
  });
});
