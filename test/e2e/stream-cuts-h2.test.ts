import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { startTlsServer, type RunningTlsServer } from '../../src/gateway/tls-server.ts';
import { httpHealthProbe } from '../../src/runtime/http-health-probe.ts';
import { eventually } from '../support/gateway-harness.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../support/self-signed.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * node's `res.destroy()` on an HTTP/2 response sends RST_STREAM(NO_ERROR): an h2 client takes the cut for a
 * clean end. Every cut of a begun response must reach an HTTP/2 client as a stream error.
 */

let cert: SelfSignedCertificate;
let upstream: TestUpstream | undefined;
let gateway: Gateway | undefined;
let listener: RunningTlsServer | undefined;
let session: ClientHttp2Session | undefined;
const upstreamResponses: ServerResponse[] = [];

beforeAll(async () => {
  cert = await makeSelfSignedCertificate();
});
afterAll(async () => cert.remove());
afterEach(async () => {
  session?.destroy();
  listener?.closeAllConnections();
  await listener?.close();
  await gateway?.stop();
  await upstream?.close();
  upstream = gateway = listener = session = undefined;
  upstreamResponses.length = 0;
});

async function start(
  serve: (path: string, res: ServerResponse) => void,
  timeouts: { total: string; idle: string },
): Promise<ClientHttp2Session> {
  upstream = await startTestUpstream((req, res) => {
    upstreamResponses.push(res);
    serve(req.url ?? '', res);
  });
  const config = configSchema.parse({
    listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ pool: 'api', retry: { attempts: 1 }, timeouts }],
  });
  gateway = new Gateway(config, { clock: systemClock, random: Math.random, healthProbeFor: httpHealthProbe });
  const pair = { cert: cert.certPem, key: cert.keyPem };
  listener = await startTlsServer({ host: '127.0.0.1', port: 0 }, pair, gateway.handle, config.limits);
  session = connectHttp2(listener.url, { ca: cert.certPem });
  await once(session, 'connect');
  return session;
}

/** How the client's stream ended: 'end' (a complete body) or the stream error it got. */
function outcomeOf(h2: ClientHttp2Session, path: string): Promise<string> {
  const stream = h2.request({ ':method': 'GET', ':path': path }, { endStream: true });
  stream.resume();
  return new Promise((resolve) => {
    stream.on('end', () => resolve('end'));
    stream.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    stream.on('close', () => resolve(`closed with rstCode ${stream.rstCode}`));
  });
}

const chunked = { 'content-type': 'text/plain' };

describe('a response the gateway cuts reaches an HTTP/2 client as a stream error, not a clean end', () => {
  it('when its non-SSE upstream dies mid-body', async () => {
    const h2 = await start(
      (_path, res) => {
        res.writeHead(200, chunked);
        res.write('part 1\n', () => setTimeout(() => res.socket?.destroy(), 20));
      },
      { total: '30s', idle: '30s' },
    );
    expect(await outcomeOf(h2, '/')).toBe('ERR_HTTP2_STREAM_ERROR');
  });

  it('when `total` cuts a chunked body', async () => {
    const h2 = await start(
      (_path, res) => {
        res.writeHead(200, chunked);
        res.write('part 1\n');
      },
      { total: '300ms', idle: '30s' },
    );
    expect(await outcomeOf(h2, '/')).toBe('ERR_HTTP2_STREAM_ERROR');
  });

  it('when the client stops reading for longer than `idle`', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const h2 = await start(
      (_path, res) => {
        res.writeHead(200, chunked);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      },
      { total: '30s', idle: '300ms' },
    );
    const stream = h2.request({ ':method': 'GET', ':path': '/' }, { endStream: true });
    const outcome = new Promise<string>((resolve) => {
      stream.on('end', () => resolve('end'));
      stream.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    // The gateway gives up on the stalled reader by letting go of the upstream; only then does it read.
    await eventually(() => upstreamResponses[0]?.destroyed === true, 5_000, 'the stall cut');
    stream.resume();
    expect(await outcome).toBe('ERR_HTTP2_STREAM_ERROR');
  });

  it('when the drain deadline cuts it', async () => {
    const h2 = await start(
      (_path, res) => {
        res.writeHead(200, chunked);
        res.write('part 1\n');
      },
      { total: '30s', idle: '30s' },
    );
    const outcome = outcomeOf(h2, '/');
    await eventually(() => upstreamResponses.length === 1, 5_000, 'the request to reach the upstream');
    await gateway!.drain(50);
    expect(await outcome).toBe('ERR_HTTP2_STREAM_ERROR');
  });
});
