import { parseArgs } from 'node:util';
import { parseDurationMs } from '../src/core/units.ts';
import { runOpenLoop, type PhasePlan } from './lib/open-loop.ts';

/**
 * The open-loop generator as its own process, so its timers never wait on the orchestrator's event loop.
 * Prints one JSON summary (bench/lib/open-loop-summary.ts) on stdout when every request has settled.
 *   node bench/open-loop-client.ts --url URL --plan '[{"name":"1×","ratePerS":1600,"durationMs":20000}]'
 *                                  [--connections 2048] [--timeout 10s]
 */

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    plan: { type: 'string' },
    connections: { type: 'string', default: '2048' },
    timeout: { type: 'string', default: '10s' },
  },
});
const connections = Number(values.connections);
const timeoutMs = parseDurationMs(values.timeout) ?? Number.NaN;
if (!values.url || !values.plan || !(connections > 0) || !(timeoutMs > 0))
  throw new Error('usage: open-loop-client.ts --url URL --plan JSON [--connections 2048] [--timeout 10s]');

const phases = JSON.parse(values.plan) as PhasePlan[];
const summary = await runOpenLoop({ url: values.url, phases, connections, timeoutMs });
process.stdout.write(`${JSON.stringify(summary)}\n`);
