import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';

/**
 * @fastify/http-proxy, the Node proxy issue 2 measures Bulwark against (≥ 2× its req/s): Fastify in, undici out
 * through @fastify/reply-from, with the floor's keep-alive settings so only the proxies differ.
 */

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
});
if (!values.upstream) throw new Error('usage: fastify-proxy.ts --upstream http://127.0.0.1:PORT [--port 0]');

const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
// Same connection cap and idle timeout as the floor and Bulwark's pool default (4 s, below the upstream's).
await app.register(proxy, {
  upstream: values.upstream,
  undici: { connections: 128, keepAliveTimeout: 4_000 },
});
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
const { port } = app.server.address() as AddressInfo;
process.stdout.write(`listening http://127.0.0.1:${port}\n`);
