import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type RunningDemo } from '../../src/demo/index.ts';
import { eventually } from '../support/gateway-harness.ts';

let demo: RunningDemo;

beforeAll(async () => {
  demo = await runDemo({
    gatewayPort: 0,
    adminPort: 0,
    dataDir: await mkdtemp(join(tmpdir(), 'bulwark-demo-test-')),
  });
});

afterAll(async () => {
  await demo?.stop();
});

const ask = (stream = false, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${demo.bulwark.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'bulwark-sim-1', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('demo through the gateway', () => {
  it('serves a chat completion from one of the simulated upstreams', async () => {
    const res = await ask();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toMatch(/^upstream-[123]$/);
    expect(await res.json()).toMatchObject({ object: 'chat.completion' });
  });

  it('relays a token stream to its [DONE] event', async () => {
    const res = await ask(true);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('rate-limits per API key as its guide shows: a burst of 10, then 429 with the RateLimit headers', async () => {
    const answers = await Promise.all(Array.from({ length: 15 }, () => ask(false, { 'x-api-key': 'demo' })));
    const admitted = answers.filter((res) => res.status === 200).length;
    // 5/s refills a token every 200 ms: 10, or 11 if the burst took that long to arrive.
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(11);
    const refused = answers.find((res) => res.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-policy')).toBe('"header:x-api-key";q=10;w=2');
    expect(refused.headers.get('ratelimit')).toMatch(/^"header:x-api-key";r=0;t=2$/);
    expect(await refused.json()).toMatchObject({ error: { code: 'GW_RATE_LIMITED' } });
    await Promise.all(answers.filter((res) => !res.bodyUsed).map((res) => res.arrayBuffer()));
    // Requests without a key are not limited.
    expect((await ask()).status).toBe(200);
  });

  it('monitors its upstreams', async () => {
    const states = async (): Promise<string[]> => {
      const body = (await (await fetch(`${demo.bulwark.adminUrl}/api/v1/monitors`)).json()) as {
        monitors: { id: string; state: string }[];
      };
      return body.monitors.map((m) => `${m.id}:${m.state}`);
    };
    await eventually(async () => (await states()).every((s) => s.endsWith(':up')), 10_000, 'the monitors up');
    expect(await states()).toEqual(['upstream-1:up', 'upstream-2:up', 'upstream-3:up']);
  });

  it('keeps answering when upstream 2 crashes', async () => {
    const crashed = await fetch(`${demo.upstreamUrls[1]}/_faults`, {
      method: 'POST',
      body: '{"crash":true}',
    });
    expect(crashed.status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await ask()).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});
