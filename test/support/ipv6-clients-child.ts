// Run inside a network namespace whose loopback also holds 2001:db8:1::1, 2001:db8:1::2 and 2001:db8:2::1
// (see test/e2e/ipv6-clients.test.ts): a gateway listener on [::1] with limits.max_connections_per_ip: 2,
// and clients from those addresses. Prints what each client got, as one JSON line.
import { connect, type Socket } from 'node:net';
import { configSchema } from '../../src/config/index.ts';
import { startHttpServer } from '../../src/gateway/server.ts';
import { parseReply, type RawReply } from './raw-http.ts';

const { limits } = configSchema.parse({
  limits: { max_connections_per_ip: 2, header_timeout: '30s' },
  pools: { api: { endpoints: [{ url: 'http://[::1]:9' }] } },
  routes: [{ pool: 'api' }],
});
const server = await startHttpServer({ host: '::1', port: 0 }, (_req, res) => res.end('ok'), limits);
const port = Number(new URL(server.url).port);

function open(localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '::1', localAddress });
    socket.once('connect', () => resolve(socket)).once('error', reject);
  });
}

async function ask(localAddress: string): Promise<RawReply> {
  const socket = await open(localAddress);
  let text = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  socket.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  await new Promise((resolve) => socket.once('close', resolve));
  return parseReply(text);
}

const held = [await open('2001:db8:1::1'), await open('2001:db8:1::1')];
const sameSlash64 = await ask('2001:db8:1::2');
const otherSlash64 = await ask('2001:db8:2::1');
process.stdout.write(`${JSON.stringify({ sameSlash64, otherSlash64 })}\n`);
for (const socket of held) socket.destroy();
server.server.closeAllConnections();
await server.close();
