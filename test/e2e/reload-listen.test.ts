import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../support/self-signed.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { within } from '../support/within.ts';
import { startWebSocketEcho, type WebSocketEcho } from '../support/ws-echo.ts';
import { freePort } from '../support/free-port.ts';

// Reloads that move `listen.gateway`: the swap never waits for connections on the old address, and a
// reload that fails (an address in use, a bad certificate) changes nothing, listeners and monitors included.

let bulwark: RunningBulwark | undefined;
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Answers its name, and holds `/stream` open as an event stream until the test ends it. */
async function namedUpstream(name: string): Promise<TestUpstream & { streams: ServerResponse[] }> {
  const streams: ServerResponse[] = [];
  const upstream = await startTestUpstream((req, res) => {
    if (req.url !== '/stream') return void res.end(name);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    streams.push(res);
  });
  closers.push(() => upstream.close());
  return Object.assign(upstream, { streams });
}

async function wsEcho(): Promise<WebSocketEcho> {
  const echo = await startWebSocketEcho();
  closers.push(() => echo.close());
  return echo;
}

async function squat(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { server, port: (server.address() as { port: number }).port };
}

interface Setup {
  readonly upstream: string;
  readonly port?: number;
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly extra?: readonly string[];
}

function configText({ upstream, port = 0, tls, extra = [] }: Setup): string {
  const tlsListen = tls
    ? `, gateway_tls: { address: 127.0.0.1:0, cert: "${tls.cert}", key: "${tls.key}" }`
    : '';
  return [
    `listen: { gateway: 127.0.0.1:${port}, admin: 127.0.0.1:0${tlsListen} }`,
    'logging: { level: silent }',
    'gateway: { drain_timeout: 20s }',
    `pools: { api: { endpoints: [{ url: "${upstream}" }] } }`,
    'routes: [{ pool: api }]',
    ...extra,
  ].join('\n');
}

async function start(setup: Setup): Promise<{ file: string; dir: string }> {
  const written = await writeTempConfig('bulwark-reload-listen-', () => configText(setup));
  bulwark = await startFromFile(written.file, { configPath: written.file, watch: false });
  return written;
}

const bodyAt = async (url: string): Promise<string> =>
  (await request(url, { dispatcher: new Agent() })).body.text();
const isRefused = (url: string): Promise<boolean> =>
  request(url, { dispatcher: new Agent() }).then(
    async (res) => (await res.body.dump(), false),
    () => true,
  );

describe('a reload that moves listen.gateway', () => {
  it('swaps at once while a stream is open on the old address, which finishes it through the old config', async () => {
    const [a, b] = [await namedUpstream('a'), await namedUpstream('b')];
    const { file } = await start({ upstream: a.url });
    const oldUrl = bulwark!.gatewayUrl;
    const client = new Agent();
    const stream = request(`${oldUrl}/stream`, { dispatcher: client }).then((res) => res.body.text());
    await eventually(() => a.streams.length === 1, 5_000, 'the stream to reach a');

    const port = await freePort();
    await writeFile(file, configText({ upstream: b.url, port }));
    expect(await within(bulwark!.reload(), 3_000, 'the reload')).toMatchObject({ ok: true, generation: 2 });
    expect(bulwark!.configStatus().generation).toBe(2);
    expect(await bodyAt(`http://127.0.0.1:${port}/`)).toBe('b');
    expect(await isRefused(oldUrl)).toBe(true);

    a.streams[0]!.end('data: last\n\n');
    expect(await stream).toBe('data: last\n\n');
    await client.close();
  });

  it('swaps at once while a WebSocket is open on the old address, keeps it working, and a stop closes it', async () => {
    const [a, echo] = [await namedUpstream('a'), await wsEcho()];
    const { file } = await start({ upstream: echo.url });
    const socket = new WebSocket(bulwark!.gatewayUrl.replace('http:', 'ws:'));
    await once(socket, 'open');
    const closed = once(socket, 'close');

    const port = await freePort();
    await writeFile(file, configText({ upstream: a.url, port }));
    expect(await within(bulwark!.reload(), 3_000, 'the reload')).toMatchObject({ ok: true, generation: 2 });
    expect(await bodyAt(`http://127.0.0.1:${port}/`)).toBe('a');
    // The old config keeps its WebSocket until drain_timeout (20 s), as nginx's old workers do.
    const echoed = once(socket, 'message');
    socket.send('still here');
    expect(String(((await within(echoed, 3_000, 'an echo')) as [MessageEvent])[0].data)).toBe('still here');
    // A stop does not wait for it: it closes the old config's WebSockets as the current one's.
    await within(bulwark!.stop(), 3_000, 'the stop');
    bulwark = undefined;
    await within(closed, 3_000, 'the old WebSocket to close');
    await eventually(() => echo.openConnections === 0, 3_000, 'the upstream side to close');
  });

  it('skips reloads still queued when the stop begins, so none binds a listener after it', async () => {
    const a = await namedUpstream('a');
    const { file } = await start({ upstream: a.url });
    await writeFile(file, configText({ upstream: a.url, extra: ['# touched'] }));
    const reloads = [bulwark!.reload(), bulwark!.reload()];
    const url = bulwark!.gatewayUrl;
    await within(bulwark!.stop(), 3_000, 'the stop');
    bulwark = undefined;
    // Neither had begun when the stop did (reloader.test.ts has one that had, and finishes first).
    for (const outcome of await Promise.all(reloads))
      expect(outcome).toEqual({ ok: false, error: 'skipped: the process is stopping' });
    expect(await isRefused(url)).toBe(true);
  });
});

describe('a reload that fails changes nothing', () => {
  let certs: SelfSignedCertificate[] = [];
  afterEach(async () => {
    await Promise.all(certs.map((cert) => cert.remove()));
    certs = [];
  });

  it('keeps the old address when the certificate and key of the new config do not match', async () => {
    certs = [await makeSelfSignedCertificate(), await makeSelfSignedCertificate()];
    const [one, two] = certs as [SelfSignedCertificate, SelfSignedCertificate];
    const a = await namedUpstream('a');
    const { file } = await start({ upstream: a.url, tls: { cert: one.certPath, key: one.keyPath } });
    const oldUrl = bulwark!.gatewayUrl;
    const port = await freePort();
    await writeFile(
      file,
      configText({ upstream: a.url, port, tls: { cert: one.certPath, key: two.keyPath } }),
    );

    const outcome = await bulwark!.reload();
    expect(outcome.ok).toBe(false);
    expect(bulwark!.configStatus()).toMatchObject({ generation: 1, lastReload: { ok: false } });
    expect(await bodyAt(oldUrl)).toBe('a');
    expect(await isRefused(`http://127.0.0.1:${port}/`)).toBe(true);
  });

  it('names its own listener when the port moves to another host, which Linux cannot bind beside it', async () => {
    const a = await namedUpstream('a');
    const port = await freePort();
    const { file } = await start({ upstream: a.url, port });
    await writeFile(
      file,
      configText({ upstream: a.url, port }).replace('127.0.0.1:' + port, `0.0.0.0:${port}`),
    );

    const outcome = await bulwark!.reload();
    expect(outcome).toMatchObject({
      ok: false,
      error: `listen.gateway: 0.0.0.0:${port} is in use by this gateway's own listener on 127.0.0.1:${port}: a reload cannot move a port to another host; restart to do that`,
    });
    expect(await bodyAt(bulwark!.gatewayUrl)).toBe('a');
  });

  it('starts no new monitor when the new address is in use', async () => {
    const a = await namedUpstream('a');
    const { file, dir } = await start({ upstream: a.url });
    const { port } = await squat();
    const monitor = `monitors: [{ name: Up A, type: tcp, host: 127.0.0.1, port: ${new URL(a.url).port}, interval: 1s, timeout: 500ms }]`;
    const extra = [`data_dir: ${join(dir, 'data')}`, monitor];
    await writeFile(file, configText({ upstream: a.url, port, extra }));

    const outcome = await bulwark!.reload();
    expect(outcome.ok).toBe(false);
    expect(outcome).toMatchObject({ error: `listen.gateway: 127.0.0.1:${port} is in use` });
    const listed = (await (await request(`${bulwark!.adminUrl}/api/v1/monitors`)).body.json()) as {
      monitors: unknown[];
    };
    expect(listed.monitors).toEqual([]);
    expect(await bodyAt(bulwark!.gatewayUrl)).toBe('a');
  });
});
