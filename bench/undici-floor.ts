import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/**
 * The "Node floor": the least a Node proxy can do — node:http in, undici Pool out, keep-alive, bodies piped.
 * No routing, health, retries or metrics; whatever Bulwark costs above this is the price of its policies.
 */

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
});
if (!values.upstream) throw new Error('usage: undici-floor.ts --upstream http://127.0.0.1:PORT [--port 0]');

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection; undici also rejects several of them.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !hopByHop.has(name)) kept[name] = value;
  return kept;
}

// Same idle timeout as Bulwark's pool default (4 s), below the upstream's, so idle sockets are never raced.
const pool = new Pool(values.upstream, { connections: 128, keepAliveTimeout: 4_000 });

const server = createServer((req, res) => {
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.stream(
    {
      path: req.url ?? '/',
      method: req.method as 'GET',
      headers: endToEnd(req.headers),
      body: hasBody ? req : null,
    },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, endToEnd(headers));
      return res;
    },
    (error) => {
      if (!error) return;
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain' }).end(`bad gateway: ${error.message}\n`);
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
});
