import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startUpstream } from './upstream.ts';

/**
 * One simulated upstream as its own process, for tests that SIGKILL it:
 *   node src/demo/upstream-main.ts --name a --port 0 [--control-port 0] [--token-delay-ms 20]
 *                                  [--log-requests] [--exit-with-parent]
 * Prints `listening <url>` then `control <url>`; with --log-requests, `received <x-request-id or ->` per API
 * request, written synchronously so that every line is in the pipe before the request is served.
 */

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'upstream' },
    port: { type: 'string', default: '0' },
    'control-port': { type: 'string', default: '0' },
    'token-delay-ms': { type: 'string', default: '20' },
    'log-requests': { type: 'boolean', default: false },
    // Exit when the parent's end of stdin closes, so a crashed test runner leaves no orphan servers.
    'exit-with-parent': { type: 'boolean', default: false },
  },
});

const printLine = (line: string): void => void writeSync(1, `${line}\n`);

const upstream = await startUpstream({
  name: values.name,
  port: Number(values.port),
  controlPort: Number(values['control-port']),
  tokenDelayMs: Number(values['token-delay-ms']),
  onRequest: values['log-requests'] ? (seen) => printLine(`received ${seen.requestId ?? '-'}`) : undefined,
});
printLine(`listening ${upstream.url}`);
printLine(`control ${upstream.controlUrl}`);

const shutdown = (): void => {
  upstream.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
if (values['exit-with-parent']) {
  process.stdin.once('close', shutdown);
  process.stdin.resume();
}
