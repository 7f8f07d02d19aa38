import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { freePort } from '../support/free-port.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

type LogLine = Record<string, unknown>;
const parsed = (lines: readonly string[]): LogLine[] => lines.map((line) => JSON.parse(line) as LogLine);

function workerPids(bulwark: BulwarkProcess): Map<number, number> {
  const pids = new Map<number, number>();
  for (const [, slot, pid] of bulwark.stderr().matchAll(/worker (\d+) pid (\d+) ready/g))
    pids.set(Number(slot), Number(pid));
  return pids;
}

describe('gateway.workers: 2, log lines', () => {
  let upstream: TestUpstream;
  let file: string;
  let gatewayPort: number;
  let bulwark: BulwarkProcess;
  let arrived = 0;
  let closedEarly = 0;

  const configText = (level: string): string =>
    [
      'gateway: { workers: 2 }',
      // Fixed: with every worker gone at once node:cluster closes the listener and binds it anew.
      `listen: { gateway: 127.0.0.1:${gatewayPort}, admin: 127.0.0.1:0 }`,
      `logging: { level: ${level} }`,
      `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
      'routes: [{ pool: api }]',
    ].join('\n');

  beforeAll(async () => {
    // Holds every request until its client goes: each one ends as "client closed the request" (info).
    upstream = await startTestUpstream((req, res) => {
      arrived += 1;
      res.on('close', () => (closedEarly += 1));
      req.resume();
    });
    gatewayPort = await freePort();
    ({ file } = await writeTempConfig('bulwark-workers-logs-', () => configText('info')));
    bulwark = await startBulwarkProcess(file, { keepLogLines: true });
  }, 30_000);

  afterAll(async () => {
    if (bulwark && bulwark.child.exitCode === null) bulwark.child.kill('SIGKILL');
    await upstream?.close();
  });

  /** Sends `count` requests on fresh connections (so both workers get some) and hangs up once each arrived. */
  async function clientsGiveUp(count: number): Promise<void> {
    const [arrivedBefore, closedBefore] = [arrived, closedEarly];
    const sockets = Array.from({ length: count }, () => {
      const socket = connect(gatewayPort, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('GET /held HTTP/1.1\r\nHost: test\r\n\r\n');
      return socket;
    });
    await eventually(() => arrived - arrivedBefore === count, 5_000, 'the requests to reach the upstream');
    for (const socket of sockets) socket.destroy();
    await eventually(() => closedEarly - closedBefore === count, 5_000, 'the gateway to let go upstream');
  }

  it('names each key once in worker-ready and worker-crashed, and logs a drained worker at info', async () => {
    const events = (): LogLine[] =>
      parsed(bulwark.logLines()).filter((line) => String(line.event).startsWith('worker-'));
    await eventually(() => events().length >= 2, 5_000, 'two worker-ready lines');
    const before = workerPids(bulwark);
    process.kill(before.get(0)!, 'SIGTERM');
    process.kill(before.get(1)!, 'SIGKILL');
    const hasEvent = (event: string, workerPid: number | undefined): boolean =>
      events().some((line) => line.event === event && line.workerPid === workerPid);
    await eventually(
      () => hasEvent('worker-stopped', before.get(0)) && hasEvent('worker-crashed', before.get(1)),
      10_000,
      'both exits to be logged',
    );
    const stopped = events().find((line) => line.event === 'worker-stopped');
    expect(stopped).toMatchObject({ level: 'info', slot: 0, exit: 'code 0' });
    const crashed = events().find((line) => line.event === 'worker-crashed');
    expect(crashed).toMatchObject({ level: 'error', slot: 1, exit: 'SIGKILL' });
    expect(hasEvent('worker-crashed', before.get(0))).toBe(false);
    // A JSON object with a key twice parses (the last wins), so count them in the raw line.
    const workerLines = bulwark.logLines().filter((line) => line.includes('"event":"worker-'));
    expect(workerLines.length).toBeGreaterThanOrEqual(4);
    for (const line of workerLines) expect(line.match(/"pid":/g)).toHaveLength(1);
    await eventually(
      () => [0, 1].every((slot) => ![undefined, before.get(slot)].includes(workerPids(bulwark).get(slot))),
      10_000,
      'both slots replaced',
    );
  }, 30_000);

  it('applies a reloaded logging.level in the workers: at error, no more info request lines', async () => {
    const requestLines = (): LogLine[] =>
      parsed(bulwark.logLines()).filter((line) => line.msg === 'client closed the request');
    await clientsGiveUp(4);
    await eventually(() => requestLines().length >= 4, 5_000, 'info lines for requests at level info');
    const seenAtInfo = requestLines().length;

    await writeFile(file, configText('error'));
    await eventually(
      async () => {
        const status = (await (await fetch(`${bulwark.adminUrl}/api/v1/config/status`)).json()) as {
          generation: number;
        };
        return status.generation === 2;
      },
      5_000,
      'the reload',
    );
    await clientsGiveUp(6);
    // Stopping flushes every log line the workers still buffer.
    const exited = once(bulwark.child, 'exit');
    bulwark.child.kill('SIGTERM');
    await exited;
    expect(requestLines().length).toBe(seenAtInfo);
  }, 30_000);
});
