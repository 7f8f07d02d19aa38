import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { freePort } from '../support/free-port.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { within } from '../support/within.ts';

/** `bulwark: worker N pid P ready` lines, latest per slot. */
function workerPids(bulwark: BulwarkProcess): Map<number, number> {
  const pids = new Map<number, number>();
  for (const [, slot, pid] of bulwark.stderr().matchAll(/worker (\d+) pid (\d+) ready/g))
    pids.set(Number(slot), Number(pid));
  return pids;
}

/** Both slots serve again, each with a worker other than `before`'s. */
async function replaced(
  bulwark: BulwarkProcess,
  before: Map<number, number>,
  slots: number[],
): Promise<void> {
  await eventually(
    () => slots.every((slot) => ![undefined, before.get(slot)].includes(workerPids(bulwark).get(slot))),
    10_000,
    `replacement workers in slots ${slots.join(', ')}`,
  );
}

/** One request on a fresh connection: its status line, or how the connection ended without one. */
function requestOnNewConnection(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.on('close', () => resolve(received.split('\r\n')[0] || 'closed without an answer'));
  });
}

describe('gateway.workers: 2, when workers die', () => {
  let upstream: TestUpstream;
  let bulwark: BulwarkProcess;

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => void res.writeHead(200).end('ok'));
    // A fixed port: when every worker is gone node:cluster closes the listener, and binds it anew for the next.
    const gatewayPort = await freePort();
    const { file } = await writeTempConfig('bulwark-workers-supervision-', () =>
      [
        'gateway: { workers: 2 }',
        `listen: { gateway: 127.0.0.1:${gatewayPort}, admin: 127.0.0.1:0 }`,
        'logging: { level: silent }',
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
      ].join('\n'),
    );
    bulwark = await startBulwarkProcess(file);
  }, 20_000);

  afterAll(async () => {
    if (bulwark && bulwark.child.exitCode === null) bulwark.child.kill('SIGKILL');
    await upstream?.close();
  });

  it('answers /readyz 503 while no worker serves, and 200 again once the replacements do', async () => {
    const readyz = async (): Promise<number> => (await fetch(`${bulwark.adminUrl}/readyz`)).status;
    expect(await readyz()).toBe(200);
    const before = workerPids(bulwark);
    for (const pid of before.values()) process.kill(pid, 'SIGKILL');
    await eventually(async () => (await readyz()) === 503, 5_000, '/readyz to answer 503');
    await replaced(bulwark, before, [0, 1]);
    await eventually(async () => (await readyz()) === 200, 5_000, '/readyz to answer 200 again');
    expect((await fetch(bulwark.gatewayUrl)).status).toBe(200);
  }, 20_000);

  it('ends at once a connection the primary handed to a worker that was just killed', async () => {
    const port = Number(new URL(bulwark.gatewayUrl).port);
    const before = workerPids(bulwark);
    process.kill(before.get(0)!, 'SIGKILL');
    // node:cluster hands connections round-robin; the first ones after the kill may go to the dead worker.
    const outcomes: Promise<string>[] = [];
    for (let i = 0; i < 40; i++) {
      outcomes.push(requestOnNewConnection(port));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // Each is answered (by the live worker) or refused/reset: none is held until the client gives up.
    const ended = await within(Promise.all(outcomes), 5_000, 'every connection to end');
    expect(ended.filter((outcome) => outcome === 'HTTP/1.1 200 OK').length).toBeGreaterThan(0);
    await replaced(bulwark, before, [0]);
  }, 20_000);
});
