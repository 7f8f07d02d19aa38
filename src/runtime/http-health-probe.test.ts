import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureChannel } from '../../test/support/pool-fixtures.ts';
import { startTestUpstream, type TestUpstream } from '../../test/support/test-upstream.ts';
import { channelNames, systemClock, type HealthEvent } from '../core/index.ts';
import { Endpoint } from '../gateway/endpoint.ts';
import { ActiveChecker } from '../gateway/health/active-checker.ts';
import type { HealthCheckSpec } from '../gateway/spec.ts';
import { httpCheck } from '../monitor/checks/http.ts';
import { httpHealthProbe } from './http-health-probe.ts';

const spec: HealthCheckSpec = {
  path: '/healthz',
  intervalMs: 20,
  timeoutMs: 2_000,
  unhealthyThreshold: 2,
  healthyThreshold: 2,
};
const endpointAt = (url: string): Endpoint => new Endpoint('api', { url, weight: 1, drain: false });
const signal = (): AbortSignal => new AbortController().signal;

describe('httpHealthProbe: the HTTP check over a keep-alive connection per endpoint', () => {
  let upstream: TestUpstream;
  let status = 200;
  const requests: IncomingMessage[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    upstream = await startTestUpstream((req, res) => {
      requests.push(req);
      if (req.url === '/silent') return; // never answers
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end('x'.repeat(1_000));
    });
    upstream.server.on('connection', (socket: Socket) => sockets.push(socket));
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    status = 200;
    requests.length = 0;
    sockets.length = 0;
  });
  afterEach(() => vi.restoreAllMocks());

  it('runs the monitor HTTP check, passing 2xx and 3xx over one reused connection', async () => {
    const run = vi.spyOn(httpCheck, 'run');
    const probe = httpHealthProbe(spec);
    const endpoint = endpointAt(upstream.url);
    try {
      for (const answer of [200, 204, 302]) {
        status = answer;
        await expect(probe.probe(endpoint, signal())).resolves.toBe(true);
      }
    } finally {
      await probe.close();
    }
    expect(run).toHaveBeenCalledTimes(3);
    expect(run.mock.calls[0]?.[0]).toMatchObject({ url: `${upstream.url}/healthz`, followRedirects: false });
    expect(requests.map((req) => req.headers['user-agent'])).toEqual(Array(3).fill('bulwark-health-check'));
    expect(sockets).toHaveLength(1);
  });

  it('fails a 503 at once with the check’s own reason, and keeps the connection', async () => {
    const probe = httpHealthProbe(spec);
    const endpoint = endpointAt(upstream.url);
    try {
      status = 503;
      await expect(probe.probe(endpoint, signal())).rejects.toThrow('expected a status below 400, got 503');
      status = 200;
      await expect(probe.probe(endpoint, signal())).resolves.toBe(true);
    } finally {
      await probe.close();
    }
    expect(sockets).toHaveLength(1);
  });

  it('fails a refused connection and a silent endpoint within the timeout', async () => {
    const probe = httpHealthProbe({ ...spec, path: '/silent', timeoutMs: 100 });
    const closed = await startTestUpstream(() => undefined);
    await closed.close();
    try {
      await expect(probe.probe(endpointAt(closed.url), signal())).rejects.toThrow(/ECONNREFUSED/);
      const startedAtMs = performance.now();
      await expect(probe.probe(endpointAt(upstream.url), signal())).rejects.toThrow('timed out after 100 ms');
      expect(performance.now() - startedAtMs).toBeLessThan(1_000);
    } finally {
      await probe.close();
    }
  });

  it('close() ends the connections, and a probe after it fails', async () => {
    const probe = httpHealthProbe(spec);
    const endpoint = endpointAt(upstream.url);
    await probe.probe(endpoint, signal());
    const [socket] = sockets;
    await probe.close();
    await vi.waitFor(() => expect(socket?.closed).toBe(true), { timeout: 2_000, interval: 5 });
    await expect(probe.probe(endpoint, signal())).rejects.toThrow('health probe is closed');
  });

  it('drives an ActiveChecker from 200 to 500 and back over one keep-alive connection', async () => {
    const health = captureChannel<HealthEvent>(channelNames.health);
    const endpoint = endpointAt(upstream.url);
    const probe = httpHealthProbe(spec);
    const checker = new ActiveChecker('api', [endpoint], spec, {
      clock: systemClock,
      random: Math.random,
      probe: probe.probe,
    });
    checker.start();
    const poll = { timeout: 5_000, interval: 5 };
    try {
      await vi.waitFor(() => expect(requests.length).toBeGreaterThanOrEqual(3), poll);
      expect(endpoint.isHealthy).toBe(true);
      status = 500;
      await vi.waitFor(() => expect(endpoint.isHealthy).toBe(false), poll);
      status = 200;
      await vi.waitFor(() => expect(endpoint.isHealthy).toBe(true), poll);
      expect(health.events.map((e) => e.isHealthy)).toEqual([false, true]);
      expect(health.events[0]?.detail).toContain('last: expected a status below 400, got 500');
      expect(sockets).toHaveLength(1);
    } finally {
      checker.stop();
      await probe.close();
      health.stop();
    }
  });
});
