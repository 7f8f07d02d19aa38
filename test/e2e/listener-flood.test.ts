import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { nodeBinary } from '../support/node-binary.ts';
import { openSocket, readUntilClose, sendRaw } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * The gateway and the status page face the internet and share one process, so one file-descriptor limit.
 * Bulwark runs here under `ulimit -n 200` (it uses about 35 at rest), as the security review ran it under
 * 1024: idle sockets on one listener must not leave the others, or the upstreams, without descriptors.
 */

const mainScript = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const fileLimit = 200;
const maxConnections = 40;
const maxConnectionsPerIp = 8;
const maxGatewayConnections = 40;

interface Bulwark {
  readonly child: ChildProcess;
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  readonly gatewayPort: number;
  readonly statusPort: number;
  logs(): string;
}

let upstream: TestUpstream;
let bulwark: Bulwark;
const flood: Socket[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream((_req, res) => res.end('hello'));
  const { file } = await writeTempConfig('bulwark-listener-flood-', (dir) =>
    [
      'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
      `data_dir: ${join(dir, 'data')}`,
      `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
      'routes: [{ pool: api }]',
      `limits: { max_connections: ${maxGatewayConnections} }`,
      'admin: { allowed_hosts: [bulwark.internal], max_connections_per_ip: 4 }',
      'status_page:',
      '  title: Flooded',
      `  max_connections: ${maxConnections}`,
      `  max_connections_per_ip: ${maxConnectionsPerIp}`,
      '  components: [{ name: API, from: { pools: [api] } }]',
    ].join('\n'),
  );
  bulwark = await startLimited(file);
});

afterEach(() => {
  for (const socket of flood.splice(0)) socket.destroy();
});

afterAll(async () => {
  if (bulwark && bulwark.child.exitCode === null) {
    bulwark.child.kill('SIGTERM');
    await once(bulwark.child, 'exit');
  }
  await upstream?.close();
});

/** `bulwark start` under `ulimit -n`, with its logs kept; resolves once it printed where it listens. */
async function startLimited(configFile: string): Promise<Bulwark> {
  const child = spawn(
    'sh',
    ['-c', `ulimit -n ${fileLimit} && exec "$0" "$@"`, nodeBinary, mainScript, 'start', '-c', configFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let logs = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (logs += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (logs += text));
  await eventually(() => / status page \S+ \(config/.test(logs) || child.exitCode !== null, 15_000, 'start');
  const match = /gateway (\S+), admin (\S+?), status page (\S+) \(config/.exec(logs);
  if (!match) throw new Error(`bulwark did not start: ${logs}`);
  const [gatewayPort, statusPort] = [match[1]!, match[3]!].map((url) => Number(new URL(url).port));
  return {
    child,
    gatewayUrl: match[1]!,
    adminUrl: match[2]!,
    gatewayPort: gatewayPort!,
    statusPort: statusPort!,
    logs: () => logs,
  };
}

type IdleSocket = Socket & { isClosed?: boolean };

/** Connects and sends nothing, as the review's script did; notes when the server closes it. */
async function idle(from: string, port = bulwark.statusPort): Promise<IdleSocket> {
  const socket: IdleSocket = await openSocket(port, from);
  socket.on('error', () => undefined);
  socket.once('close', () => (socket.isClosed = true));
  flood.push(socket);
  return socket;
}

const page = 'GET / HTTP/1.1\r\nHost: status.example\r\nConnection: close\r\n\r\n';

async function servesGatewayAndAdmin(): Promise<void> {
  const proxied = await fetch(`${bulwark.gatewayUrl}/hello`, { signal: AbortSignal.timeout(5_000) });
  expect([proxied.status, await proxied.text()]).toEqual([200, 'hello']);
  const health = await fetch(`${bulwark.adminUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
  expect(health.status).toBe(200);
}

describe('the status and admin listeners beside the gateway, flooded', () => {
  it('refuses one address over max_connections_per_ip with a 503 and still serves another', async () => {
    for (let i = 0; i < maxConnectionsPerIp; i++) await idle('127.0.0.1');
    const refused = await sendRaw(bulwark.statusPort, page);
    expect([refused.status, refused.errorCode]).toEqual([503, 'STATUS_TOO_MANY_CONNECTIONS']);

    const other = await idle('127.0.0.2');
    const reply = readUntilClose(other);
    other.write(page);
    expect((await reply).status).toBe(200);
  });

  it('holds no more than max_connections from many addresses, and the gateway and admin keep serving', async () => {
    // Six times the cap, from 30 addresses within the per-address cap: more than the process has descriptors.
    const addresses = Array.from({ length: 30 }, (_, i) => `127.0.0.${i + 10}`);
    const sockets: IdleSocket[] = [];
    for (const from of addresses)
      for (let i = 0; i < maxConnectionsPerIp; i++) sockets.push(await idle(from));
    expect(sockets.length).toBeGreaterThan(fileLimit);
    // Unprotected, the status listener took every descriptor left and both of these failed at once.
    await servesGatewayAndAdmin();
    const held = (): number => sockets.filter((s) => !s.isClosed).length;
    await eventually(() => held() <= maxConnections, 5_000, 'the connections over the cap closed');
    expect(held()).toBe(maxConnections);

    for (const socket of sockets) socket.destroy();
    await eventually(
      async () => (await sendRaw(bulwark.statusPort, page)).status === 200,
      5_000,
      'the page once the flood is gone',
    );
  });

  it('leaves the admin listener its own caps, and its host names from the config', async () => {
    const port = Number(new URL(bulwark.adminUrl).port);
    const configStatus = (host: string) =>
      `GET /api/v1/config/status HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
    expect((await sendRaw(port, configStatus('bulwark.internal:80'))).status).toBe(200);
    expect((await sendRaw(port, configStatus('attacker.example'))).status).toBe(421);
    const held: Socket[] = [];
    for (let i = 0; i < 4; i++) held.push(await openSocket(port));
    flood.push(...held);
    const refused = await sendRaw(port, configStatus('127.0.0.1'));
    expect([refused.status, refused.errorCode]).toEqual([503, 'ADMIN_TOO_MANY_CONNECTIONS']);
  });

  it('holds no more than limits.max_connections on the gateway, and the admin and status listeners keep serving', async () => {
    // As many idle sockets as the process has descriptors, from addresses within the per-address cap.
    const sockets: IdleSocket[] = [];
    for (let i = 0; i < fileLimit; i++)
      sockets.push(await idle(`127.0.1.${(i % 50) + 10}`, bulwark.gatewayPort));
    // Unprotected, every accept failed with EMFILE: the admin /healthz and the page were reset.
    const adminPort = Number(new URL(bulwark.adminUrl).port);
    const health = await sendRaw(
      adminPort,
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    expect(health.status).toBe(200);
    expect((await sendRaw(bulwark.statusPort, page)).status).toBe(200);
    const held = (): number => sockets.filter((s) => !s.isClosed).length;
    await eventually(() => held() <= maxGatewayConnections, 5_000, 'the connections over the cap closed');
    // The cap's worth stays, less the keep-alive connection the earlier test's fetch may still hold.
    expect(held()).toBeGreaterThanOrEqual(maxGatewayConnections - 1);
    await eventually(
      () =>
        /"event":"connections-refused".*the gateway listener refused connections: \d+ over max_connections \(40\)/.test(
          bulwark.logs(),
        ),
      5_000,
      'the refusals logged',
    );

    for (const socket of sockets) socket.destroy();
    await eventually(
      async () =>
        (await sendRaw(bulwark.gatewayPort, 'GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'))
          .status === 200,
      5_000,
      'the gateway once the flood is gone',
    );
  });

  it('warned at start that the caps let connections take more descriptors than the process has', () => {
    const warning = bulwark
      .logs()
      .split('\n')
      .find((line) => line.includes('"event":"descriptor-limit-low"'));
    expect(warning).toBeDefined();
    const { openFileLimit, caps } = JSON.parse(warning!) as { openFileLimit: number; caps: object };
    expect(openFileLimit).toBe(fileLimit);
    expect(caps).toEqual({
      'limits.max_connections': maxGatewayConnections,
      'admin.max_connections': 128,
      'status_page.max_connections': maxConnections,
      'pools.api.max_connections_per_endpoint': 128,
    });
  });

  it('logs the refusals summed per period, not per socket, and the last period when it stops', async () => {
    // The first refusal is logged at once; the rest of its 10 s period are summed when it ends or at stop.
    await eventually(() => bulwark.logs().includes('over max_connections_per_ip (8)'), 5_000, 'the first');
    bulwark.child.kill('SIGTERM');
    await once(bulwark.child, 'exit');
    const lines = bulwark
      .logs()
      .split('\n')
      .filter((line) => line.includes('the status listener refused'));
    expect(lines.length).toBeLessThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/"level":"?(warn|40)"?.*"event":"connections-refused"/);
    expect(lines.join('\n')).toMatch(/\d+ over max_connections \(40\)/);
  });
});
