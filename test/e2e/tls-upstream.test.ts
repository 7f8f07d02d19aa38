import type { Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulwark, type RunningBulwark } from '../../src/app.ts';
import { configSchema } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { sendRaw } from '../support/raw-http.ts';
import { startTrustedHttpsServer } from '../support/self-signed.ts';

let bulwark: RunningBulwark | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Seen {
  readonly host: string | undefined;
  /** The SNI the upstream's TLS socket received; false (or null) when none was sent. */
  readonly serverName: string | false | null;
}

/** An https upstream with a certificate for localhost and 127.0.0.1, trusted by this process for the test. */
async function httpsUpstream(
  seen: Seen[],
): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const upstream = await startTrustedHttpsServer((req, res) => {
    seen.push({ host: req.headers.host, serverName: (req.socket as TLSSocket).servername });
    res.end('ok');
  });
  cleanups.push(() => upstream.close());
  const { server, port } = upstream;
  // A WebSocket handshake is answered with 101, then the upgraded connection ends at once.
  server.on('upgrade', (req, socket) => {
    seen.push({ host: req.headers.host, serverName: (req.socket as TLSSocket).servername });
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  });
  server.on('secureConnection', () => (connections += 1));
  return { server, port, connections: () => connections };
}

async function gatewayTo(endpointUrl: string): Promise<RunningBulwark> {
  const config = configSchema.parse({
    listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
    logging: { level: 'silent' },
    pools: { api: { endpoints: [{ url: endpointUrl }] } },
    routes: [{ match: { path_prefix: '/' }, pool: 'api' }],
  });
  return startBulwark(config, {
    configPath: 'inline',
    watch: false,
    logger: createLogger({ level: 'silent' }),
  });
}

describe('an https endpoint', () => {
  it("is verified by its own name, not the client's Host, and keeps its connection whatever Host comes", async () => {
    const seen: Seen[] = [];
    const upstream = await httpsUpstream(seen);
    bulwark = await gatewayTo(`https://localhost:${upstream.port}`);
    const hosts = ['api.example.test', 'www.example.test', 'api.example.test'];
    for (const host of hosts) {
      const response = await request(`${bulwark.gatewayUrl}/`, { headers: { host } });
      expect(response.statusCode, await response.body.text()).toBe(200);
    }
    // The client's Host reaches the upstream unchanged; TLS speaks to the endpoint by its configured name.
    expect(seen.map((s) => s.host)).toEqual(hosts);
    expect(seen.every((s) => s.serverName === 'localhost')).toBe(true);
    expect(upstream.connections()).toBe(1);
  });

  it("takes a WebSocket handshake by its own name too, not the client's Host", async () => {
    const seen: Seen[] = [];
    const upstream = await httpsUpstream(seen);
    bulwark = await gatewayTo(`https://localhost:${upstream.port}`);
    const handshake = [
      'GET /socket HTTP/1.1',
      'Host: api.example.test',
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n');
    const reply = await sendRaw(Number(new URL(bulwark.gatewayUrl).port), handshake);
    expect(reply.status, reply.text).toBe(101);
    expect(seen).toEqual([{ host: 'api.example.test', serverName: 'localhost' }]);
  });

  it('given as an address, sends no SNI, is verified against that address and keeps its connection', async () => {
    const seen: Seen[] = [];
    const upstream = await httpsUpstream(seen);
    bulwark = await gatewayTo(`https://127.0.0.1:${upstream.port}`);
    const hosts = ['api.example.test', 'www.example.test'];
    for (const host of hosts) {
      const response = await request(`${bulwark.gatewayUrl}/`, { headers: { host } });
      expect(response.statusCode, await response.body.text()).toBe(200);
    }
    expect(seen.map((s) => s.host)).toEqual(hosts);
    expect(seen.every((s) => s.serverName === false)).toBe(true);
    expect(upstream.connections()).toBe(1);
  });
});
