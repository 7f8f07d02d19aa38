import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestUpstream, type TestUpstream } from '../../test/support/test-upstream.ts';
import { Endpoint } from '../gateway/endpoint.ts';
import type { HealthCheckSpec } from '../gateway/spec.ts';
import { httpHealthProbe } from './http-health-probe.ts';

const spec: HealthCheckSpec = {
  path: '/healthz',
  intervalMs: 1_000,
  timeoutMs: 2_000,
  unhealthyThreshold: 2,
  healthyThreshold: 2,
};
const signal = (): AbortSignal => new AbortController().signal;

describe('httpHealthProbe: host, headers, expected_statuses and expect_body', () => {
  let upstream: TestUpstream;
  let endpoint: Endpoint;
  let status = 200;
  let body = '{"status":"ok"}';
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    upstream = await startTestUpstream((req, res) => {
      seen.push(req.headers);
      res.statusCode = status;
      res.end(body);
    });
    endpoint = new Endpoint('llm', { url: upstream.url, weight: 1, drain: false });
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    status = 200;
    body = '{"status":"ok"}';
    seen.length = 0;
  });

  /** Runs one check with `changes`; resolves to the failure reason, or 'passed'. */
  async function checkWith(changes: Partial<HealthCheckSpec>): Promise<string> {
    const probe = httpHealthProbe({ ...spec, ...changes });
    try {
      await probe.probe(endpoint, signal());
      return 'passed';
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await probe.close();
    }
  }

  it("sends the endpoint's host:port as Host by default, and health_check.host and headers when set", async () => {
    await expect(checkWith({})).resolves.toBe('passed');
    const headers = [['x-probe-token', 's3cret'] as const, ['user-agent', 'ops-probe'] as const];
    await expect(checkWith({ host: 'api.internal.example', headers })).resolves.toBe('passed');
    expect(seen[0]?.host).toBe(new URL(upstream.url).host);
    expect(seen[0]?.['user-agent']).toBe('bulwark-health-check');
    expect(seen[1]).toMatchObject({
      host: 'api.internal.example',
      'x-probe-token': 's3cret',
      'user-agent': 'ops-probe',
    });
  });

  it('passes only the listed statuses and ranges, and names them when another comes', async () => {
    const expectedStatuses = [
      { fromStatus: 200, toStatus: 200 },
      { fromStatus: 500, toStatus: 503 },
    ];
    status = 503;
    await expect(checkWith({ expectedStatuses })).resolves.toBe('passed');
    status = 204;
    await expect(checkWith({ expectedStatuses })).resolves.toBe(
      'status 204 is not in expected_statuses (200, 500-503)',
    );
    // Without the list, today's rule: below 400.
    await expect(checkWith({})).resolves.toBe('passed');
    status = 503;
    await expect(checkWith({})).resolves.toBe('expected a status below 400, got 503');
  });

  it('fails a 200 whose body lacks expect_body, quoting how the body began', async () => {
    body = '{"status":"loading","progress":0.4}';
    await expect(checkWith({ expectBody: '"status":"ok"' })).resolves.toBe(
      'body does not contain "\\"status\\":\\"ok\\""; it began "{\\"status\\":\\"loading\\",\\"progress\\":0.4}"',
    );
    body = '{"status":"ok"}';
    await expect(checkWith({ expectBody: '"status":"ok"' })).resolves.toBe('passed');
    // The status rule still applies before the body's.
    status = 500;
    await expect(checkWith({ expectBody: '"status":"ok"' })).resolves.toBe(
      'expected a status below 400, got 500',
    );
  });

  it('searches only the first 64 KiB of the body, and says so', async () => {
    body = `${'x'.repeat(64 * 1024)}READY`;
    const reason = await checkWith({ expectBody: 'READY' });
    expect(reason).toMatch(/^body does not contain "READY" in its first 64 KiB; it began "x{80}"…$/);
    body = `${'x'.repeat(64 * 1024 - 5)}READY${'y'.repeat(1_000)}`;
    await expect(checkWith({ expectBody: 'READY' })).resolves.toBe('passed');
  });
});
