import { afterEach, describe, expect, it } from 'vitest';
import { startUpstream, type RunningUpstream, type SeenRequest, type UpstreamOptions } from './upstream.ts';

const running: RunningUpstream[] = [];

async function upstream(options: Partial<UpstreamOptions> = {}): Promise<RunningUpstream> {
  const started = await startUpstream({ name: 'u1', tokenDelayMs: 5, ...options });
  running.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((u) => u.close()));
});

const chat = (base: string, body: object, init: RequestInit = {}): Promise<Response> =>
  fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], ...body }),
    ...init,
  });

const postFaults = (base: string, faults: object): Promise<Response> =>
  fetch(`${base}/_faults`, { method: 'POST', body: JSON.stringify(faults) });

async function connectError(url: string): Promise<string | undefined> {
  try {
    await fetch(url);
    return undefined;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code;
  }
}

describe('simulated upstream: API', () => {
  it('answers a chat completion in the OpenAI chat.completion shape', async () => {
    const u = await upstream();
    const res = await chat(u.url, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('u1');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-test',
      choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: expect.any(Number) as unknown,
        completion_tokens: expect.any(Number) as unknown,
      },
    });
    expect(body['id']).toMatch(/^chatcmpl-/);
    expect(JSON.stringify(body['choices'])).toContain('Hello from u1');
  });

  it('streams one SSE event per token, spread over time, ending with [DONE]', async () => {
    const tokenDelayMs = 30;
    const u = await upstream({ tokenDelayMs });
    const res = await chat(u.url, { stream: true, max_tokens: 4 });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const arrivals: { atMs: number; text: string }[] = [];
    const decoder = new TextDecoder();
    for await (const chunk of res.body as AsyncIterable<Uint8Array>)
      arrivals.push({ atMs: performance.now(), text: decoder.decode(chunk) });
    const events = arrivals
      .map((a) => a.text)
      .join('')
      .split('\n\n')
      .filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map(
      (e) =>
        JSON.parse(e.replace(/^data: /, '')) as {
          choices: { delta: object; finish_reason: string | null }[];
        },
    );
    expect(chunks).toHaveLength(1 + 4 + 1); // role, 4 tokens, finish
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    // Separate arrivals prove nothing buffers the stream: tokens reach the client as they are produced.
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    const spanMs = (arrivals.at(-1)?.atMs ?? 0) - (arrivals[0]?.atMs ?? 0);
    expect(spanMs).toBeGreaterThanOrEqual(3 * tokenDelayMs * 0.8);
  });

  it('rejects a body without messages with an OpenAI-style 400', async () => {
    const u = await upstream();
    const res = await fetch(`${u.url}/v1/chat/completions`, { method: 'POST', body: '{"model":"x"}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('lists models, answers /healthz and 404s unknown paths, all tagged with x-upstream', async () => {
    const u = await upstream();
    const models = await fetch(`${u.url}/v1/models`);
    expect(await models.json()).toMatchObject({ object: 'list', data: [{ object: 'model' }] });
    const health = await fetch(`${u.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const missing = await fetch(`${u.url}/nope`);
    expect([missing.status, missing.headers.get('x-upstream')]).toEqual([404, 'u1']);
  });

  it('echoes method, path, headers and body length, and reports arrivals with their request id', async () => {
    const seen: SeenRequest[] = [];
    const u = await upstream({ onRequest: (s) => seen.push(s) });
    const res = await fetch(`${u.url}/echo/a?status=201`, {
      method: 'PUT',
      headers: { 'x-request-id': 'req-1', 'x-custom': 'yes' },
      body: 'x'.repeat(1000),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      upstream: 'u1',
      method: 'PUT',
      path: '/echo/a?status=201',
      headers: { 'x-custom': 'yes' },
      body_bytes: 1000,
    });
    expect(seen).toEqual([{ requestId: 'req-1', method: 'PUT', path: '/echo/a' }]);
    await fetch(`${u.url}/healthz`);
    expect(u.received).toBe(1); // health checks are not API traffic
  });
});

describe('simulated upstream: fault switches', () => {
  it('crash refuses connections and cuts live streams; crash:false on the control port restarts it', async () => {
    const u = await upstream({ tokenDelayMs: 50 });
    const stream = await chat(u.url, { stream: true });
    const reading = new Response(stream.body).text();
    const answer = await postFaults(u.url, { crash: true });
    expect(await answer.json()).toMatchObject({ crash: true });
    await expect(reading).rejects.toThrow();
    await expect.poll(() => connectError(`${u.url}/healthz`)).toBe('ECONNREFUSED');
    const restart = await postFaults(u.controlUrl, { crash: false });
    expect(await restart.json()).toMatchObject({ crash: false });
    expect((await fetch(`${u.url}/healthz`)).status).toBe(200);
  });

  it('applies a crash and an immediate restart in order', async () => {
    const u = await upstream();
    const crashing = u.setFaults({ crash: true });
    await u.setFaults({ crash: false });
    await crashing;
    expect((await fetch(`${u.url}/healthz`)).status).toBe(200);
  });

  it('hang accepts requests and never answers, while /_faults keeps working', async () => {
    const u = await upstream();
    await u.setFaults({ hang: true });
    await expect(fetch(`${u.url}/echo`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(u.received).toBe(1);
    expect(await (await fetch(`${u.url}/_faults`)).json()).toMatchObject({ hang: true });
    await postFaults(u.url, { hang: false });
    expect((await fetch(`${u.url}/echo`)).status).toBe(200);
  });

  it('slow_ms delays the headers of API responses while /healthz stays quick', async () => {
    const u = await upstream();
    await postFaults(u.url, { slow_ms: 150 });
    const startMs = performance.now();
    const res = await fetch(`${u.url}/v1/models`);
    expect(res.status).toBe(200);
    expect(performance.now() - startMs).toBeGreaterThanOrEqual(140);
    const healthStartMs = performance.now();
    await fetch(`${u.url}/healthz`);
    expect(performance.now() - healthStartMs).toBeLessThan(140);
  });

  it('error_rate answers that fraction of API requests 500, but not /healthz', async () => {
    const draws = [0.1, 0.9];
    const u = await upstream({ random: () => draws.shift() ?? 0 });
    await postFaults(u.url, { error_rate: 0.5 });
    const failed = await chat(u.url, {});
    expect(failed.status).toBe(500);
    expect(failed.headers.get('x-upstream')).toBe('u1');
    expect(await failed.json()).toMatchObject({
      error: { type: 'server_error', message: expect.any(String) as unknown },
    });
    expect((await chat(u.url, {})).status).toBe(200);
    expect((await fetch(`${u.url}/healthz`)).status).toBe(200);
  });

  it('unhealthy turns /healthz to 503 and back while the API keeps answering', async () => {
    const u = await upstream();
    await postFaults(u.url, { unhealthy: true });
    expect((await fetch(`${u.url}/healthz`)).status).toBe(503);
    expect((await chat(u.url, {})).status).toBe(200);
    await postFaults(u.url, { unhealthy: false });
    expect((await fetch(`${u.url}/healthz`)).status).toBe(200);
  });

  it('rejects unknown or ill-typed switches and resets all with DELETE', async () => {
    const u = await upstream();
    expect((await postFaults(u.url, { slow: 5 })).status).toBe(400);
    expect((await postFaults(u.url, { error_rate: 2 })).status).toBe(400);
    await postFaults(u.url, { slow_ms: 10, unhealthy: true });
    const reset = await fetch(`${u.controlUrl}/_faults`, { method: 'DELETE' });
    expect(await reset.json()).toEqual({
      crash: false,
      hang: false,
      slow_ms: 0,
      error_rate: 0,
      unhealthy: false,
    });
  });
});
