import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { connect } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { sendRaw } from '../support/raw-http.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../support/self-signed.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * Behind a load balancer, /readyz failing is only noticed at its next health checks: until then it keeps
 * opening connections and reusing pooled ones. `gateway.shutdown_delay` keeps serving them meanwhile.
 */

const shutdownDelayMs = 2_000;
let upstream: TestUpstream | undefined;
let bulwark: BulwarkProcess | undefined;
let cert: SelfSignedCertificate | undefined;
afterEach(async () => {
  bulwark?.child.kill('SIGKILL');
  bulwark = undefined;
  await upstream?.close();
  upstream = undefined;
  await cert?.remove();
  cert = undefined;
});

async function startDelayed(tls?: SelfSignedCertificate, workers = 1): Promise<BulwarkProcess> {
  const started = await startTestUpstream((_req, res) => res.end('ok'));
  upstream = started;
  const gatewayTls = tls
    ? `, gateway_tls: { address: 127.0.0.1:0, cert: ${tls.certPath}, key: ${tls.keyPath} }`
    : '';
  const { file } = await writeTempConfig('bulwark-shutdown-delay-', () =>
    [
      `listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0${gatewayTls} }`,
      'logging: { level: warn }',
      `gateway: { shutdown_delay: ${shutdownDelayMs}ms, drain_timeout: 10s, workers: ${workers} }`,
      `pools: { api: { endpoints: [{ url: "${started.url}" }] } }`,
      'routes: [{ pool: api }]',
    ].join('\n'),
  );
  return startBulwarkProcess(file);
}

const readiness = async (adminUrl: string): Promise<number> =>
  (await request(`${adminUrl}/readyz`)).statusCode;

function isRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('gateway.shutdown_delay', () => {
  it.each([1, 2])(
    'fails /readyz at once, serves new connections with Connection: close for the delay, then refuses them (workers: %i)',
    async (workers) => {
      bulwark = await startDelayed(undefined, workers);
      const port = Number(new URL(bulwark.gatewayUrl).port);
      const signalledAtMs = Date.now();
      bulwark.child.kill('SIGTERM');
      await eventually(async () => (await readiness(bulwark!.adminUrl)) === 503, 1_000, 'readyz 503');

      // A client that has not noticed yet: a new connection, asking for keep-alive.
      const served = await sendRaw(port, 'GET /late HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(served.status).toBe(200);
      expect(served.text).toMatch(/\r\nConnection: close\r\n/i);
      expect(Date.now() - signalledAtMs).toBeLessThan(shutdownDelayMs);

      await eventually(() => isRefused(port), 10_000, 'the listener to close');
      expect(Date.now() - signalledAtMs).toBeGreaterThanOrEqual(shutdownDelayMs);
      expect(await bulwark.exited()).toBe(0);
    },
    30_000,
  );

  it('fails no request of a keep-alive load whose balancer moves it away within the delay', async () => {
    bulwark = await startDelayed();
    const { gatewayUrl, adminUrl } = bulwark;
    const client = new Agent({ connections: 20 });
    const outcomes = new Map<string, number>();
    // A balancer notices /readyz failing a while after it does: here, 100 requests later.
    const routedAfterNotReady = 100;
    let sentAfterNotReady: number | undefined;
    const sendWhileRouted = async (): Promise<void> => {
      while (sentAfterNotReady === undefined || sentAfterNotReady < routedAfterNotReady) {
        const isAfter = sentAfterNotReady !== undefined;
        const outcome = await request(`${gatewayUrl}/load`, { dispatcher: client }).then(
          async (res) => `${res.statusCode} ${await res.body.text()}`,
          (error: NodeJS.ErrnoException) => error.code ?? String(error),
        );
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (isAfter) sentAfterNotReady! += 1;
      }
    };
    const senders = Array.from({ length: 10 }, sendWhileRouted);
    await eventually(() => (outcomes.get('200 ok') ?? 0) >= 200, 10_000, 'steady load');

    bulwark.child.kill('SIGTERM');
    await eventually(async () => (await readiness(adminUrl)) === 503, 5_000, 'readyz 503');
    sentAfterNotReady = 0;
    await Promise.all(senders);

    // Without the delay the listener closed at once: refused connections, and resets on pooled ones.
    expect(Object.fromEntries(outcomes)).toEqual({ '200 ok': expect.any(Number) as number });
    expect(await bulwark.exited()).toBe(0);
    await client.close();
  }, 30_000);

  it('serves a request on an open HTTP/2 session during the delay, and sends GOAWAY with it', async () => {
    cert = await makeSelfSignedCertificate();
    bulwark = await startDelayed(cert);
    const session = connectHttp2(bulwark.gatewayTlsUrl!, { ca: cert.certPem });
    session.on('error', () => undefined);
    try {
      expect(await get(session)).toBe(200);
      let isGoneAway = false;
      session.once('goaway', () => (isGoneAway = true));
      bulwark.child.kill('SIGTERM');
      await eventually(async () => (await readiness(bulwark!.adminUrl)) === 503, 5_000, 'readyz 503');

      expect(await get(session)).toBe(200);
      // With the answer, not when the listener closes at the end of the delay.
      expect(isGoneAway).toBe(true);
    } finally {
      session.destroy();
    }
    expect(await bulwark.exited()).toBe(0);
  }, 30_000);
});

function get(session: ClientHttp2Session): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': '/h2' }, { endStream: true });
    let status = 0;
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('error', reject);
    stream.resume();
    stream.on('end', () => resolve(status));
  });
}
