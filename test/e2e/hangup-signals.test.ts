import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBulwarkProcess, startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * SIGHUP reloads `bulwark start`, and its default action ends a process: a hangup at any moment of the
 * process's life must neither kill it nor cut what it serves.
 */

let upstream: TestUpstream | undefined;
let bulwark: BulwarkProcess | undefined;
afterEach(async () => {
  bulwark?.child.kill('SIGKILL');
  bulwark = undefined;
  await upstream?.close();
  upstream = undefined;
});

const config = (upstreamUrl: string): Promise<{ file: string }> =>
  writeTempConfig('bulwark-hangup-', () =>
    [
      'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
      'logging: { level: warn }',
      'gateway: { drain_timeout: 20s }',
      `pools: { api: { endpoints: [{ url: "${upstreamUrl}" }] } }`,
      'routes: [{ pool: api }]',
    ].join('\n'),
  );

/** Whether the process has a handler for SIGHUP (signal 1, the lowest bit of SigCgt in /proc/PID/status). */
async function catchesHangup(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  return (BigInt(`0x${caught}`) & 1n) === 1n;
}

describe('SIGHUP during the stop', () => {
  it('is skipped with a line; the drain goes on, open requests finish and the process exits 0', async () => {
    const held: ServerResponse[] = [];
    upstream = await startTestUpstream((_req, res) => held.push(res));
    bulwark = await startBulwarkProcess((await config(upstream.url)).file);
    const pending = request(`${bulwark.gatewayUrl}/slow`).then(
      async (res) => ({ status: res.statusCode, body: await res.body.text() }),
      (error: unknown) => ({ status: 0, body: String(error) }),
    );
    await eventually(() => held.length === 1, 5_000, 'the request to reach the upstream');

    bulwark.child.kill('SIGTERM');
    await eventually(() => bulwark!.stderr().includes('draining and stopping'), 5_000, 'the stop');
    const { child } = bulwark;
    child.kill('SIGHUP');
    const isSkippedOrGone = (): boolean =>
      bulwark!.stderr().includes('reload skipped') || child.exitCode !== null || child.signalCode !== null;
    await eventually(isSkippedOrGone, 5_000, 'the skip');
    // Unhandled, SIGHUP's default action ended the process and cut the request.
    expect(child.signalCode).toBeNull();
    held[0]!.end('done');

    expect(await pending).toEqual({ status: 200, body: 'done' });
    expect(await bulwark.exited()).toBe(0);
    expect(bulwark.stderr()).toContain('bulwark: SIGHUP during the stop; reload skipped');
  }, 30_000);
});

describe('SIGHUP while starting', () => {
  it('is held from the first line of the process and reloads the config once started', async () => {
    upstream = await startTestUpstream((_req, res) => res.end('ok'));
    const spawned = spawnBulwarkProcess((await config(upstream.url)).file);
    const pid = spawned.child.pid!;
    // Loading the CLI alone takes most of a second: the hangup lands well before the start is done.
    await eventually(() => catchesHangup(pid), 5_000, 'a SIGHUP handler');
    spawned.child.kill('SIGHUP');
    bulwark = await spawned.started;

    expect(bulwark.stderr()).toContain('bulwark: SIGHUP during start-up; reloading once started');
    await eventually(
      async () => {
        const res = await request(`${bulwark!.adminUrl}/api/v1/config/status`);
        return ((await res.body.json()) as { generation: number }).generation === 2;
      },
      5_000,
      'the reload',
    );
    expect((await request(bulwark.gatewayUrl)).statusCode).toBe(200);
    bulwark.child.kill('SIGTERM');
    expect(await bulwark.exited()).toBe(0);
  }, 30_000);
});
