import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/gateway-harness.ts';
import { openRecordingClient, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * A WebSocket handshake is only upgraded as its connection's current request: node hands a handshake over the
 * moment it parses it, so one pipelined behind an unfinished answer would get its 101 first, and that answer
 * would then be written into the tunnel.
 */

let gateway: LimitedGateway | undefined;
let upstream: TestUpstream | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await gateway?.stop();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

/** What the upstream saw: plain requests in arrival order (with their Upgrade header), and handshakes. */
interface UpstreamLog {
  readonly plain: string[];
  readonly handshakes: string[];
  readonly held: ServerResponse[];
}

/** An upstream holding plain requests until the test answers them, switching handshakes to a byte echo. */
async function startUpstream(): Promise<UpstreamLog> {
  const log: UpstreamLog = { plain: [], handshakes: [], held: [] };
  upstream = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
    log.plain.push(`${req.method} ${req.url} upgrade=${req.headers.upgrade ?? 'none'}`);
    cleanups.push(() => res.destroy());
    req.resume();
    req.on('end', () => log.held.push(res));
  });
  upstream.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    log.handshakes.push(`${req.method} ${req.url}`);
    cleanups.push(() => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (chunk: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), chunk])));
  });
  return log;
}

/** The gateway's listener with upgrades wired as the data plane wires them; its port. */
async function startGateway(upstreamUrl: string): Promise<number> {
  gateway = await startLimitedGateway(
    {
      pools: { ws: { endpoints: [{ url: upstreamUrl }] } },
      routes: [{ pool: 'ws', timeouts: { first_byte: '0s' } }],
    },
    { webSockets: true },
  );
  return gateway.port;
}

const handshake = (path: string): string =>
  `GET ${path} HTTP/1.1\r\nHost: a.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

const statusLines = (text: string): string[] =>
  [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1] ?? '');

describe('a WebSocket handshake pipelined on an HTTP/1.1 connection', () => {
  it('behind an unfinished answer is answered in turn as an ordinary request; once current, one upgrades', async () => {
    const seen = await startUpstream();
    const client = await openRecordingClient(await startGateway(upstream!.url));
    cleanups.push(() => client.socket.destroy());
    const { received } = client;

    client.socket.write(`GET /slow HTTP/1.1\r\nHost: a.example\r\n\r\n${handshake('/ws')}`);
    await eventually(() => seen.held.length === 1, 5_000, '/slow at the upstream');
    seen.held.shift()!.end('slow answer');
    await eventually(() => received().includes('slow answer'), 5_000, "/slow's answer");
    // The old order: the handshake's 101 first, then /slow's answer inside the tunnel.
    expect(statusLines(received())[0]).toBe('200');

    await eventually(() => seen.held.length === 1, 5_000, '/ws at the upstream, after /slow was answered');
    seen.held.shift()!.writeHead(426, { 'content-type': 'text/plain' }).end('plain GET /ws');
    await eventually(() => received().includes('plain GET /ws'), 5_000, "/ws's answer");
    expect(statusLines(received())).toEqual(['200', '426']);
    expect(seen.plain).toEqual(['GET /slow upgrade=none', 'GET /ws upgrade=none']);
    expect(seen.handshakes).toEqual([]);

    // The same connection, nothing owed on it now: a handshake switches it.
    client.socket.write(handshake('/ws2'));
    await eventually(() => statusLines(received()).length === 3, 5_000, 'the 101');
    expect(statusLines(received())).toEqual(['200', '426', '101']);
    client.socket.write('ping');
    await eventually(() => received().endsWith('echo:ping'), 5_000, 'bytes through the tunnel');
    expect(seen.handshakes).toEqual(['GET /ws2']);
  });
});
