import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../src/core/units.ts';

/**
 * An upstream with a fixed capacity, like a GPU inference server: `slots` requests run at once for `service`
 * each; the rest wait FIFO inside the server, so past the knee latency climbs instead of the server failing.
 * Capacity is slots / service (32 × 20 ms = 1,600 req/s). `/healthz` and `/stats` answer at once, no slot.
 *   node bench/upstream-capacity.ts [--slots 32] [--service 20ms] [--port 0]
 */

const { values } = parseArgs({
  options: {
    slots: { type: 'string', default: '32' },
    service: { type: 'string', default: '20ms' },
    port: { type: 'string', default: '0' },
  },
});
const slots = Number(values.slots);
const serviceMs = parseDurationMs(values.service) ?? Number.NaN;
if (!Number.isInteger(slots) || slots < 1 || !(serviceMs > 0))
  throw new Error('usage: upstream-capacity.ts [--slots 32] [--service 20ms] [--port 0]');

interface Waiting {
  readonly res: ServerResponse;
  readonly arrivedMs: number;
}

const idleSlots = Array.from({ length: slots }, (_, slot) => slot);
/** When each slot's current (or last) request ends, on the server's own schedule. */
const slotFreeAtMs = new Float64Array(slots);
let queue: Waiting[] = [];
let queueHead = 0;
const stats = { served: 0, cancelledWhileQueued: 0, maxQueued: 0 };

function admit(waiting: Waiting): void {
  const slot = idleSlots.pop();
  if (slot !== undefined) return serve(slot, waiting);
  queue.push(waiting);
  stats.maxQueued = Math.max(stats.maxQueued, queue.length - queueHead);
}

function serve(slot: number, waiting: Waiting): void {
  // A slot that stays busy starts its next request when the last one ended, not when our timer noticed:
  // timer lateness then delays answers a little but never lowers capacity below slots / service.
  const startMs = Math.max(waiting.arrivedMs, slotFreeAtMs[slot] ?? 0);
  slotFreeAtMs[slot] = startMs + serviceMs;
  setTimeout(() => finish(slot, waiting), Math.max(0, startMs + serviceMs - performance.now()));
}

function finish(slot: number, waiting: Waiting): void {
  respond(waiting.res, slot);
  const next = nextWaiting();
  if (next) serve(slot, next);
  else idleSlots.push(slot);
}

// A request whose client gave up while queued takes no slot, as an inference server drops cancelled work.
function nextWaiting(): Waiting | undefined {
  while (queueHead < queue.length) {
    const waiting = queue[queueHead++];
    if (queueHead > 1024 && queueHead * 2 > queue.length) {
      queue = queue.slice(queueHead);
      queueHead = 0;
    }
    if (waiting && !isGone(waiting.res)) return waiting;
    stats.cancelledWhileQueued++;
  }
  return undefined;
}

const isGone = (res: ServerResponse): boolean => res.destroyed || (res.socket?.destroyed ?? true);

function respond(res: ServerResponse, slot: number): void {
  if (isGone(res)) return;
  stats.served++;
  sendJson(res, { ok: true, slot });
}

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  req.resume();
  if (req.url === '/healthz') return sendJson(res, { ok: true });
  if (req.url === '/stats') return sendJson(res, { ...stats, queued: queue.length - queueHead });
  admit({ res, arrivedMs: performance.now() });
});
// Longer than every proxy's idle timeout, so pooled connections are closed by the proxies, never under them.
server.keepAliveTimeout = 75_000;
server.headersTimeout = 10_000;
// Overload opens connections in bursts; a short accept backlog would turn them into 1 s SYN retries.
server.listen({ port: Number(values.port), host: '127.0.0.1', backlog: 4096 }, () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
});
