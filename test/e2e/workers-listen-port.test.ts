import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../support/self-signed.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/** `bulwark: worker N pid P ready` lines, latest per slot. */
function workerPids(bulwark: BulwarkProcess): Map<number, number> {
  const pids = new Map<number, number>();
  for (const [, slot, pid] of bulwark.stderr().matchAll(/worker (\d+) pid (\d+) ready/g))
    pids.set(Number(slot), Number(pid));
  return pids;
}

/** Ends the workers of `slots` with `signal` and waits until a new worker is ready in each. */
async function replaceWorkers(bulwark: BulwarkProcess, slots: number[], signal: NodeJS.Signals) {
  const before = workerPids(bulwark);
  for (const slot of slots) process.kill(before.get(slot)!, signal);
  await eventually(
    () => slots.every((slot) => ![undefined, before.get(slot)].includes(workerPids(bulwark).get(slot))),
    10_000,
    `replacement workers in slots ${slots.join(', ')}`,
  );
}

/** Whether something accepts TCP connections on `url`'s port. */
function isListening(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.on('connect', () => resolve(true)).on('error', () => resolve(false));
    socket.on('connect', () => socket.destroy());
  });
}

/** Both listeners answer where the process said it listens when it started. */
async function servesAtFirstAddresses(bulwark: BulwarkProcess): Promise<void> {
  expect((await fetch(bulwark.gatewayUrl)).status).toBe(200);
  expect(await isListening(bulwark.gatewayTlsUrl!)).toBe(true);
}

describe('gateway.workers: 2 with listen.gateway and gateway_tls on port 0', () => {
  let upstream: TestUpstream;
  let certificate: SelfSignedCertificate;
  let bulwark: BulwarkProcess;

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => void res.writeHead(200).end('ok'));
    certificate = await makeSelfSignedCertificate();
    const { file } = await writeTempConfig('bulwark-workers-listen-port-', () =>
      [
        'gateway: { workers: 2 }',
        'listen:',
        '  gateway: 127.0.0.1:0',
        `  gateway_tls: { address: 127.0.0.1:0, cert: ${certificate.certPath}, key: ${certificate.keyPath} }`,
        '  admin: 127.0.0.1:0',
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
    await certificate?.remove();
  });

  it('keeps the ports the first workers bound when they are replaced one by one, then all at once', async () => {
    await servesAtFirstAddresses(bulwark);
    // One at a time, the other worker holding the listeners meanwhile: the replacement joins them.
    await replaceWorkers(bulwark, [0], 'SIGTERM');
    await servesAtFirstAddresses(bulwark);
    await replaceWorkers(bulwark, [1], 'SIGTERM');
    await servesAtFirstAddresses(bulwark);
    // No worker holds them now: node:cluster closes the listeners and binds anew for the replacements.
    await replaceWorkers(bulwark, [0, 1], 'SIGKILL');
    await servesAtFirstAddresses(bulwark);
  }, 30_000);

  it('keeps them through a reload and a second round of replacements', async () => {
    bulwark.child.kill('SIGHUP');
    await eventually(
      async () => {
        const res = await fetch(`${bulwark.adminUrl}/api/v1/config/status`);
        return ((await res.json()) as { generation: number }).generation === 2;
      },
      5_000,
      'the reload',
    );
    await servesAtFirstAddresses(bulwark);
    await replaceWorkers(bulwark, [0], 'SIGTERM');
    await servesAtFirstAddresses(bulwark);
    await replaceWorkers(bulwark, [0, 1], 'SIGKILL');
    await servesAtFirstAddresses(bulwark);
  }, 30_000);
});
