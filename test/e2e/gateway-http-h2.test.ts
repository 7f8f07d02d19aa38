import { once } from 'node:events';
import { connect as connectHttp2, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { startTlsServer, type RunningTlsServer } from '../../src/gateway/tls-server.ts';
import { httpHealthProbe } from '../../src/runtime/http-health-probe.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../support/self-signed.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/** HTTP/2 on the TLS listener: the same questions as HTTP/1.1, where nghttp2 leaves them to the gateway. */

let upstream: TestUpstream;
let gateway: Gateway;
let listener: RunningTlsServer;
let cert: SelfSignedCertificate;
let session: ClientHttp2Session;
const served: { url: string; host: string | undefined }[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    served.push({ url: req.url ?? '', host: req.headers.host });
    if (req.url === '/v1/hints')
      return void res.writeEarlyHints({ link: '</app.js>; rel=preload; as=script' }, () => res.end('final'));
    if (req.url === '/v1/empty') {
      res.writeHead(204, { 'content-length': '5' });
      return void res.end();
    }
    res.end('ok');
  });
  const config = configSchema.parse({
    listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ match: { path_prefix: '/v1/' }, pool: 'api' }],
  });
  gateway = new Gateway(config, { clock: systemClock, random: Math.random, healthProbeFor: httpHealthProbe });
  cert = await makeSelfSignedCertificate();
  const pair = { cert: cert.certPem, key: cert.keyPem };
  listener = await startTlsServer({ host: '127.0.0.1', port: 0 }, pair, gateway.handle, config.limits);
  session = connectHttp2(listener.url, { ca: cert.certPem });
  await once(session, 'connect');
});

afterAll(async () => {
  session.close();
  listener.closeAllConnections();
  await listener.close();
  await gateway.stop();
  await upstream.close();
  await cert.remove();
});

async function h2(
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const stream = session.request(headers, { endStream: true });
  const [response] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  stream.resume();
  await once(stream, 'end');
  return { status: Number(response[':status']), headers: response };
}

describe('HTTP/2 requests', () => {
  it('get a 204 whose upstream sent Content-Length, where the stream was reset as malformed', async () => {
    const answer = await h2({ ':method': 'GET', ':path': '/v1/empty' });
    expect(answer.status).toBe(204);
    expect(answer.headers['content-length']).toBeUndefined();
  });

  it('get the upstream 103 Early Hints before the final response', async () => {
    const stream = session.request({ ':method': 'GET', ':path': '/v1/hints' }, { endStream: true });
    const interim: IncomingHttpHeaders[] = [];
    stream.on('headers', (headers: IncomingHttpHeaders) => interim.push(headers));
    const [final] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    expect(final[':status']).toBe(200);
    expect(interim).toMatchObject([{ ':status': 103, link: '</app.js>; rel=preload; as=script' }]);
    stream.resume();
    await once(stream, 'end');
  });

  it('with a Host naming another authority than :authority are refused 400 (RFC 9113 §8.3.1)', async () => {
    const before = served.length;
    const answer = await h2({
      ':method': 'GET',
      ':path': '/v1/x',
      ':authority': 'shop.example',
      host: 'evil.example',
    });
    expect(answer.status).toBe(400);
    expect(served.length).toBe(before);
    const same = await h2({
      ':method': 'GET',
      ':path': '/v1/x',
      ':authority': 'shop.example',
      host: 'Shop.Example',
    });
    expect(same.status).toBe(200);
    expect(served.at(-1)?.host).toBe('Shop.Example');
  });

  it.each(['/v1/..\\admin', '/v1/..#'])('with :path %s are refused 400, as over HTTP/1.1', async (path) => {
    const before = served.length;
    const answer = await h2({ ':method': 'GET', ':path': path });
    expect(answer.status).toBe(400);
    expect(served.length).toBe(before);
  });
});
