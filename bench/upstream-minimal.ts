import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

/** The benchmark's upstream: as little work per request as node:http allows, so the proxy is what we measure. */

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const body = Buffer.from('hello from the bench upstream\n');

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
// Longer than every proxy's idle timeout, so pooled connections are closed by the proxies, never under them.
server.keepAliveTimeout = 75_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
});
