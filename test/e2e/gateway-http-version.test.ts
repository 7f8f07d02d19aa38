import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import {
  sendRaw,
  startCountingUpstream,
  startLimitedGateway,
  type CountingUpstream,
  type LimitedGateway,
} from '../support/raw-http.ts';

/**
 * llhttp reads `HTTP/2.0` and `HTTP/0.9` in an HTTP/1 request line. Such a request is no HTTP/2 (which comes
 * by ALPN on the TLS listener): it is answered 505 (RFC 9110 §15.6.6) and never forwarded.
 */

let gateway: LimitedGateway | undefined;
let upstream: CountingUpstream | undefined;
let bulwark: BulwarkProcess | undefined;
let configDir: string | undefined;

afterEach(async () => {
  await gateway?.stop();
  if (bulwark && bulwark.child.exitCode === null) {
    bulwark.child.kill('SIGTERM');
    await bulwark.exited();
  }
  await upstream?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
  gateway = upstream = bulwark = configDir = undefined;
});

const withBody = 'Content-Length: 5\r\nConnection: close\r\n\r\nhello';

describe('an HTTP/1 request line that claims another version', () => {
  it.each([
    ['HTTP/2.0', `GET / HTTP/2.0\r\nHost: a\r\nConnection: close\r\n\r\n`],
    ['HTTP/2.0 with a body', `POST / HTTP/2.0\r\nHost: a\r\n${withBody}`],
    ['HTTP/0.9', `GET / HTTP/0.9\r\nHost: a\r\nConnection: close\r\n\r\n`],
  ])('%s → 505 as JSON, never forwarded, and the listener serves on', async (_name, request) => {
    upstream = await startCountingUpstream();
    gateway = await startLimitedGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api' }],
    });
    const reply = await sendRaw(gateway.port, request);
    expect(reply.status, reply.text).toBe(505);
    expect(reply.errorCode).toBe('GW_BAD_REQUEST');
    expect(upstream.seen.started).toBe(0);
    const next = await sendRaw(gateway.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(next.status).toBe(200);
  });

  it('does not end the bulwark process (it did: one such request line stopped every listener)', async () => {
    upstream = await startCountingUpstream();
    const { dir, file } = await writeTempConfig('bulwark-h2-line-', (tmp) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        `data_dir: ${join(tmp, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream!.url}" }] } }`,
        'routes: [{ pool: api }]',
      ].join('\n'),
    );
    configDir = dir;
    bulwark = await startBulwarkProcess(file);
    const port = Number(new URL(bulwark.gatewayUrl).port);
    const reply = await sendRaw(port, 'GET / HTTP/2.0\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(reply.status, bulwark.stderr()).toBe(505);
    const next = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(next.status).toBe(200);
    expect(bulwark.child.exitCode).toBeNull();
  });
});
