import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { sendRaw, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { closeRawUpstreams, startRawUpstream, type RawUpstream } from '../support/raw-upstream.ts';

/**
 * `gateway.headers_with_underscores` (Envoy's headers_with_underscores_action, nginx's underscores_in_headers):
 * `drop` by default, `allow` passes `api_key` but never an underscored spelling of what the gateway vouches
 * for, `reject` answers 400 before the upstream sees a byte.
 */

let gateway: LimitedGateway | undefined;
let bulwark: RunningBulwark | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await gateway?.stop();
  gateway = undefined;
  await bulwark?.stop();
  bulwark = undefined;
  await closeRawUpstreams();
});

type Action = 'drop' | 'allow' | 'reject';

async function gatewayWith(
  action: Action,
  upstream: RawUpstream,
  route: Record<string, unknown> = {},
): Promise<LimitedGateway> {
  gateway = await startLimitedGateway(
    {
      gateway: { headers_with_underscores: action },
      pools: { app: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'app', ...route }],
    },
    { webSockets: true },
  );
  return gateway;
}

const get = (port: number, extra: string) =>
  sendRaw(port, `GET /a HTTP/1.1\r\nHost: a.example\r\n${extra}Connection: close\r\n\r\n`);

describe('gateway.headers_with_underscores: allow', () => {
  it('forwards api_key, but never an underscored spelling of a header the gateway sets, removes or frames by', async () => {
    const upstream = await startRawUpstream();
    const { port } = await gatewayWith('allow', upstream, { request_headers: { remove: ['x-user'] } });
    const forged = [
      'X_Forwarded_For: 6.6.6.6',
      'X_Forwarded_Proto: https',
      'X_Forwarded_Host: evil.example',
      'X_Request_Id: forged',
      'Content_Length: 5',
      'Transfer_Encoding: chunked',
      'X_User: admin',
    ];
    const reply = await get(port, `Api_Key: k-123\r\n${forged.map((line) => `${line}\r\n`).join('')}`);

    expect(reply.status, reply.text).toBe(200);
    const head = upstream.heads[0]!.toLowerCase();
    expect(head).toContain('\r\napi_key: k-123\r\n');
    expect(head).not.toMatch(/^[a-z]+_[a-z_]*: (?!k-123)/m);
    expect(head).toContain('\r\nx-forwarded-for: 127.0.0.1');
  });
});

describe('gateway.headers_with_underscores: reject', () => {
  it('answers 400 naming the header, never its value, logged like the guard’s refusals; the upstream sees nothing', async () => {
    const upstream = await startRawUpstream();
    const { port } = await gatewayWith('reject', upstream);
    const capture = captureChannel<RequestEvent>(channelNames.request);
    cleanups.push(capture.stop);

    const reply = await get(port, 'X-Request-Id: id-under\r\nApi_Key: secret-value\r\n');

    expect(reply.status, reply.text).toBe(400);
    expect(reply.errorCode).toBe('GW_BAD_REQUEST');
    expect(reply.text).toContain('Api_Key');
    expect(reply.text).not.toContain('secret-value');
    expect(upstream.connections()).toBe(0);
    await eventually(() => capture.events.length === 1, 5_000, 'the refusal logged');
    const [event] = capture.events;
    expect([event?.requestId, event?.route, event?.status, event?.errorCode]).toEqual([
      'id-under',
      'none',
      400,
      'GW_BAD_REQUEST',
    ]);
  });

  it('refuses before routing and admission, so a refused request takes no rate-limit token', async () => {
    const upstream = await startRawUpstream();
    const { port } = await gatewayWith('reject', upstream, { rate_limits: [{ key: 'route', rate: '1/h' }] });

    const refused = await get(port, 'Api_Key: secret-value\r\n');
    const next = await get(port, 'Api-Key: secret-value\r\n');

    expect([refused.status, next.status], next.text).toEqual([400, 200]);
  });

  it('refuses a WebSocket handshake the same way, before connecting upstream', async () => {
    const upstream = await startRawUpstream();
    const { port } = await gatewayWith('reject', upstream);
    const handshake =
      'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      'Api_Key: secret-value\r\n';

    const reply = await sendRaw(
      port,
      `GET /ws HTTP/1.1\r\nHost: a.example\r\nConnection: Upgrade\r\n${handshake}\r\n`,
    );

    expect(reply.status, reply.text).toBe(400);
    expect(reply.errorCode).toBe('GW_BAD_REQUEST');
    expect(reply.text).toContain('Api_Key');
    expect(reply.text).not.toContain('secret-value');
    expect(upstream.connections()).toBe(0);
  });
});

describe('gateway.headers_with_underscores on reload', () => {
  it('takes effect for the next request', async () => {
    const upstream = await startRawUpstream();
    const configText = (action: Action): string =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: silent }',
        `gateway: { headers_with_underscores: ${action} }`,
        `pools: { app: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: app }]',
      ].join('\n');
    const { file } = await writeTempConfig('bulwark-underscores-', () => configText('drop'));
    bulwark = await startFromFile(file, { configPath: file, watch: false });
    const port = Number(new URL(bulwark.gatewayUrl).port);

    expect((await get(port, 'Api_Key: k\r\n')).status).toBe(200);
    await writeFile(file, configText('allow'));
    expect((await bulwark.reload()).ok).toBe(true);
    expect((await get(port, 'Api_Key: k\r\n')).status).toBe(200);
    await writeFile(file, configText('reject'));
    expect((await bulwark.reload()).ok).toBe(true);
    const refused = await get(port, 'Api_Key: k\r\n');

    expect(upstream.heads.map((head) => head.toLowerCase().includes('\r\napi_key: k'))).toEqual([
      false,
      true,
    ]);
    expect(refused.status, refused.text).toBe(400);
  });
});
