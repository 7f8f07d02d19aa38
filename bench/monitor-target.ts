import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

/**
 * What bench/monitors.ts points its monitors at: `200 ok` on any path, as cheap as node:http allows, and a
 * count of the checks it answered at `/stats` (not counted itself), so the bench sees checks actually run.
 *   node bench/monitor-target.ts [--port 0]
 */

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const body = Buffer.from('ok');
let requests = 0;

const server = createServer((req, res) => {
  req.resume();
  if (req.url === '/stats') {
    const stats = JSON.stringify({ requests });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(stats) });
    return res.end(stats);
  }
  requests++;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
// Each check opens a fresh connection: at 1,000 checks/s a short accept backlog would turn bursts into SYN retries.
server.listen({ port: Number(values.port), host: '127.0.0.1', backlog: 4096 }, () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
});
