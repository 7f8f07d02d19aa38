import type { Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { openSocket, sendRaw } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * limits.max_connections under gateway.workers: the primary accepts and hands each connection to a worker. A
 * full worker declined it, and the primary offered it to the next worker, round and round, holding it open.
 */

const workers = 2;
const maxConnections = 2;

let upstream: TestUpstream;
let bulwark: BulwarkProcess;
const sockets: (Socket & { isClosed?: boolean })[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream((_req, res) => res.end('hello'));
  const { file } = await writeTempConfig('bulwark-workers-cap-', (dir) =>
    [
      `gateway: { workers: ${workers} }`,
      'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
      'logging: { level: silent }',
      `data_dir: ${dir}/data`,
      `limits: { max_connections: ${maxConnections}, header_timeout: 30s }`,
      `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
      'routes: [{ pool: api }]',
    ].join('\n'),
  );
  bulwark = await startBulwarkProcess(file);
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  bulwark?.child.kill('SIGTERM');
  await bulwark?.exited();
  await upstream?.close();
});

it('holds limits.max_connections per worker and closes the rest, rather than passing them round', async () => {
  const port = Number(new URL(bulwark.gatewayUrl).port);
  for (let i = 0; i < 5 * workers * maxConnections; i++) {
    const socket: Socket & { isClosed?: boolean } = await openSocket(port);
    socket.on('error', () => undefined);
    socket.once('close', () => (socket.isClosed = true));
    sockets.push(socket);
  }
  const open = (): number => sockets.filter((socket) => !socket.isClosed).length;
  await eventually(() => open() <= workers * maxConnections, 5_000, 'the connections over the caps closed');
  expect(open()).toBe(workers * maxConnections);

  for (const socket of sockets) socket.destroy();
  const hello = 'GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
  await eventually(async () => (await sendRaw(port, hello)).status === 200, 5_000, 'a freed slot');
});
