import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/gateway-harness.ts';
import { makeSelfSignedCertificate } from '../../test/support/self-signed.ts';
import { restartingControlPlanes } from './restarting-control-plane.test-support.ts';

const { cleanups, restartingControlPlane } = restartingControlPlanes();

type Plane = Awaited<ReturnType<typeof restartingControlPlane>>;
type Started = Awaited<ReturnType<Plane['start']>>;

const standing = (started: Started) =>
  started.alerting.pipeline
    .firing()
    .map((f) => [f.alert.labels['alertname'], f.alert.startsAtMs, f.alert.annotations]);

describe('a heartbeat monitor its sender reported down, across a restart', () => {
  it('keeps its alert firing past the grace period while no call comes, and resolves it once at a good call', async () => {
    const plane = await restartingControlPlane();
    const first = await plane.start();
    first.monitoring.heartbeat('backup', { isDown: true, message: 'disk full' });
    await plane.advance(20_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    const told = standing(first);

    const second = await plane.start();
    // Not late (expect_every is 1 h): no call and no deadline says anything before the grace period ends.
    await plane.advance(plane.graceMs + 60_000, 5_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    expect(standing(second)).toEqual(told);

    second.monitoring.heartbeat('backup', { isDown: false });
    await plane.advance(5_000);
    expect(await plane.queued()).toEqual(['first/firing', 'resolved/resolved']);
  });
});

describe('a paused https monitor whose certificate expires soon, across a restart', () => {
  it('keeps its cert-expiry alert firing past the grace period, and sends nothing new once resumed and checked', async () => {
    const site = await startHttpsSite();
    const plane = await restartingControlPlane({
      monitors: [
        `{ name: Site, type: http, url: "https://127.0.0.1:${site.port}/", verify_tls: false, interval: 30s }`,
      ],
    });
    const first = await plane.start();
    await checked(plane, first);
    await plane.advance(20_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    const told = standing(first);
    expect(told.map(([alertname]) => alertname)).toEqual(['cert-expiry']);
    first.monitoring.pause('site');
    await plane.advance(5_000);

    const second = await plane.start();
    await plane.advance(plane.graceMs + 60_000, 5_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    expect(standing(second)).toEqual(told);

    second.monitoring.resume('site');
    await checked(plane, second);
    await plane.advance(20_000);
    expect(await plane.queued()).toEqual(['first/firing']);
  });
});

describe('a flapping monitor, across a restart', () => {
  it('comes back flapping: its flapping alert stands past the grace period and no down alert is sent', async () => {
    const plane = await restartingControlPlane();
    const first = await plane.start();
    // Down and back three times within seconds: flapping by its outages (three within 10 minutes).
    for (const isDown of [true, false, true, false, true, false, true]) {
      first.monitoring.heartbeat('backup', { isDown });
      await plane.advance(1_000);
    }
    expect(first.monitoring.get('backup')?.isFlapping).toBe(true);
    await plane.advance(20_000);
    // The outages before detection were told as usual; what counts is that nothing follows the restart.
    const sent = await plane.queued();
    const told = standing(first);
    expect(told.map(([alertname]) => alertname)).toEqual(['monitor-flapping']);

    const second = await plane.start();
    expect(second.monitoring.get('backup')).toMatchObject({ state: 'down', isFlapping: true });
    await plane.advance(plane.graceMs + 60_000, 5_000);
    expect(await plane.queued()).toEqual(sent);
    expect(standing(second)).toEqual(told);
  });
});

/** An https server with a certificate valid for one day (0 days left), answering 200. */
async function startHttpsSite(): Promise<{ readonly port: number }> {
  const cert = await makeSelfSignedCertificate();
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (_, response) =>
    response.end('ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await cert.remove();
  });
  return { port: (server.address() as AddressInfo).port };
}

/** Moves past the site's next slot, then waits (real time: the check talks to a real socket) for its result. */
async function checked(plane: Plane, started: Started): Promise<void> {
  const before = started.monitoring.get('site')?.lastResult;
  await plane.advance(30_000);
  await eventually(() => started.monitoring.get('site')?.lastResult !== before, 5_000, 'a check');
  await plane.advance(1_000);
}
