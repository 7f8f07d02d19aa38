import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, subscribeGatewayLogs } from '../../src/observability/index.ts';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import { eventually } from '../support/gateway-harness.ts';
import { openSocket, sendRaw, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * How the gateway reads a client connection around one request's end: bytes after a request that closes the
 * connection, a client that stops in a body whose answer is complete, and `Expect` (RFC 9110 §10.1.1, RFC 9112
 * §9.6). Each answer the client gets must be the one for its request, and only one.
 */

let gateway: LimitedGateway;
let upstream: TestUpstream;
let metrics: GatewayMetrics;
let logged: Record<string, unknown>[];
let seenTargets: string[];
const stops: (() => void)[] = [];

/** Answers at once, without reading the body: node's server discards its rest after the answer. */
function answerEarly(req: IncomingMessage, res: ServerResponse): void {
  seenTargets.push(`${req.method} ${req.url}`);
  res.statusCode = req.method === 'POST' ? 201 : 200;
  res.end('early');
}

beforeEach(async () => {
  logged = [];
  seenTargets = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) },
  });
  // Every request logged, so that a lost answer shows as the status the gateway counted.
  stops.push(subscribeGatewayLogs(logger, { accessLog: true }));
  metrics = new GatewayMetrics({ processMetrics: false });
  upstream = await startTestUpstream(answerEarly);
  gateway = await startLimitedGateway({
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ pool: 'api' }],
  });
});

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  metrics.close();
  await gateway.stop();
  await upstream.close();
});

const statusLines = (text: string): string[] => text.match(/^HTTP\/1\.1 \d{3} .*$/gm) ?? [];

/** The request lines logged, as `[status, errorCode]`, once the gateway has no request open. */
async function loggedRequests(count: number): Promise<unknown[][]> {
  await eventually(() => gateway.gateway.openRequests === 0, 5_000, 'no request open');
  const requests = () => logged.filter((line) => line.event === 'request');
  await eventually(() => requests().length >= count, 5_000, `${count} request(s) logged`);
  return requests().map((line) => [line.status, line.errorCode]);
}

describe('bytes after a request that closes the connection (RFC 9112 §9.6)', () => {
  it.each([
    [
      'Connection: close',
      'POST /orders HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello',
      'GET /x HTTP/1.1\r\nHost: a.example\r\n\r\n',
      201,
    ],
    [
      'HTTP/1.0',
      'GET /a HTTP/1.0\r\nHost: a.example\r\n\r\n',
      'GET /b HTTP/1.0\r\nHost: a.example\r\n\r\n',
      200,
    ],
  ])(
    'are ignored after %s: the request is answered, then the connection closes',
    async (_, first, next, status) => {
      const reply = await sendRaw(gateway.port, first + next);

      expect(statusLines(reply.text)).toEqual([expect.stringMatching(new RegExp(`^HTTP/1\\.1 ${status} `))]);
      expect(reply.text).toMatch(/\r\n\r\nearly$/);
      expect(seenTargets).toEqual([first.split(' HTTP/')[0]]);
      expect(await loggedRequests(1)).toEqual([[status, undefined]]);
      expect(await metrics.metricsText()).not.toMatch(/GW_BAD_REQUEST|GW_CLIENT_CLOSED/);
    },
  );
});

describe('a client that stops in a body whose answer is complete', () => {
  it.each([
    ['half-closes', 'end'],
    ['closes', 'destroy'],
  ] as const)(
    '%s: the connection closes with nothing more written, and no 400 is counted',
    async (_, how) => {
      const socket = await openSocket(gateway.port);
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.write(
        `POST /a HTTP/1.1\r\nHost: a.example\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`,
      );
      await eventually(() => text.endsWith('\r\n\r\nearly'), 5_000, 'the early answer');
      if (how === 'destroy') socket.destroy();
      else {
        socket.end();
        await closed;
      }

      // Gone at the gateway too: whatever it made of the EOF it has published by then.
      await eventually(async () => (await gateway.connections()) === 0, 5_000, 'the connection closed');
      expect(await loggedRequests(1)).toEqual([[201, undefined]]);
      expect(statusLines(text)).toEqual(['HTTP/1.1 201 Created']);
      expect(logged.filter((line) => line.level !== 'debug')).toHaveLength(1);
      expect(await metrics.metricsText()).not.toMatch(/GW_BAD_REQUEST|route="none"/);
    },
  );
});

describe('a client that stalls in a body whose answer is complete', () => {
  it('is closed at request_timeout with nothing more written: no 408 after its answer', async () => {
    const impatient = await startLimitedGateway({
      limits: { request_timeout: '1s' },
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api' }],
    });
    try {
      const reply = await sendRaw(
        impatient.port,
        `POST /a HTTP/1.1\r\nHost: a.example\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`,
      );

      expect(statusLines(reply.text)).toEqual(['HTTP/1.1 201 Created']);
      expect(reply.text).toMatch(/\r\n\r\nearly$/);
    } finally {
      await impatient.stop();
    }
  });
});

describe('Expect', () => {
  it('gets no 100 Continue from HTTP/1.0, which knows no 1xx (RFC 9110 §15.2)', async () => {
    const reply = await sendRaw(
      gateway.port,
      'POST /a HTTP/1.0\r\nHost: a.example\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello',
    );

    expect(statusLines(reply.text)).toEqual(['HTTP/1.1 201 Created']);
    expect(seenTargets).toEqual(['POST /a']);
  });

  it('other than 100-continue is refused as JSON 417 GW_EXPECTATION_FAILED, logged, counted, then closed', async () => {
    const reply = await sendRaw(
      gateway.port,
      'POST /a HTTP/1.1\r\nHost: a.example\r\nExpect: foo\r\nContent-Length: 5\r\n\r\nhello',
    );

    expect(reply.status).toBe(417);
    expect(reply.errorCode).toBe('GW_EXPECTATION_FAILED');
    expect(reply.text).toMatch(/\r\nx-request-id: [\w-]+\r\n/i);
    expect(reply.text).toMatch(/\r\nconnection: close\r\n/i);
    expect(seenTargets).toEqual([]);
    expect(await loggedRequests(1)).toEqual([[417, 'GW_EXPECTATION_FAILED']]);
    expect(await metrics.metricsText()).toMatch(
      /^bulwark_gateway_errors_total\{code="GW_EXPECTATION_FAILED".*\} 1$/m,
    );
  });
});
