import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { connect, constants } from 'node:http2';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { eventually } from '../support/gateway-harness.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../support/self-signed.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * With workers, a rate limit is asked of the primary over IPC: an HTTP/2 client that cancels its stream
 * during that wait must not leave a concurrency slot taken, as node's HTTP/2 response has no `destroyed`.
 */
describe('gateway.workers: 2 over HTTP/2 — cancelled streams', () => {
  let upstream: TestUpstream;
  let cert: SelfSignedCertificate;
  let bulwark: BulwarkProcess;

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => setTimeout(() => res.end('ok'), 100));
    cert = await makeSelfSignedCertificate();
    const file = join(cert.certPath, '..', 'bulwark.yaml');
    await writeFile(
      file,
      [
        'listen:',
        '  gateway: 127.0.0.1:0',
        '  admin: 127.0.0.1:0',
        `  gateway_tls: { address: 127.0.0.1:0, cert: "${cert.certPath}", key: "${cert.keyPath}" }`,
        'gateway: { workers: 2, drain_timeout: 1s }',
        'logging: { level: silent }',
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }], concurrency: 4, queue: { max: 2, timeout: 1s } } }`,
        'routes: [{ pool: api, rate_limits: [{ key: ip, rate: 1000/s }] }]',
      ].join('\n'),
    );
    bulwark = await startBulwarkProcess(file);
  });

  afterAll(async () => {
    bulwark.child.kill('SIGTERM');
    await bulwark.exited();
    await upstream.close();
    await cert.remove();
  });

  it('frees every slot a cancelled stream took, so the pool keeps serving', async () => {
    const tlsUrl = bulwark.gatewayTlsUrl;
    if (!tlsUrl) throw new Error('no gateway_tls URL printed');
    // Several sessions, so both workers get some of the cancelled streams.
    for (let s = 0; s < 4; s++) {
      const session = connect(tlsUrl, { rejectUnauthorized: false });
      session.on('error', () => undefined);
      await once(session, 'connect');
      for (let i = 0; i < 10; i++) {
        const stream = session.request({ ':path': '/' });
        stream.on('error', () => undefined);
        stream.close(constants.NGHTTP2_CANCEL);
      }
      // The cancels reach the gateway before the session goes, so each is a stream cancelled on its own.
      await new Promise<void>((resolve) => session.ping(() => resolve()));
      session.close();
    }
    const admittedInFlight = async (): Promise<number> => {
      const text = await (await fetch(`${bulwark.adminUrl}/metrics`)).text();
      const line = /^bulwark_gateway_pool_admitted_in_flight\{pool="api"\} (\d+)/m.exec(text);
      return Number(line?.[1] ?? Number.NaN);
    };
    await eventually(async () => (await admittedInFlight()) === 0, 5_000, 'every slot to be free');
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => (await fetch(bulwark.gatewayUrl)).status),
    );
    expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
  });
});
