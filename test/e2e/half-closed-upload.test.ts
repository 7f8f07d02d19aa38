import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, subscribeGatewayLogs } from '../../src/observability/index.ts';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * A client that half-closes its side in the middle of an upload has left: node's parser then reports the
 * truncated body as a parse error, after the request already ended. That must not become a second request.
 */

let gateway: LimitedGateway | undefined;
let upstream: TestUpstream | undefined;
let metrics: GatewayMetrics | undefined;
const stops: (() => void)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  metrics?.close();
  metrics = undefined;
  await gateway?.stop();
  gateway = undefined;
  await upstream?.close();
  upstream = undefined;
});

describe('a client that half-closes in the middle of its upload', () => {
  it('is counted and logged once, as 499, and gets no 400', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    stops.push(subscribeGatewayLogs(logger));
    metrics = new GatewayMetrics({ processMetrics: false });
    upstream = await startTestUpstream((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    gateway = await startLimitedGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api' }],
    });
    const socket = connect(gateway.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write('POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n0123456789');
    await eventually(() => gateway!.gateway.openRequests === 1, 5_000, 'the request at the gateway');
    socket.end();
    await closed;
    await eventually(() => lines.some((line) => line.event === 'request'), 5_000, 'the request logged');
    await eventually(() => gateway!.gateway.openRequests === 0, 5_000, 'the request over');

    expect(received).toBe('');
    const logged = lines.filter((line) => line.level !== 'debug');
    expect(logged.map((line) => [line.level, line.status, line.errorCode])).toEqual([
      ['info', 499, 'GW_CLIENT_CLOSED'],
    ]);
    const text = await metrics.metricsText();
    expect(text).not.toMatch(/GW_BAD_REQUEST/);
    expect(text).not.toMatch(/route="none"/);
    expect(text).toMatch(/^bulwark_gateway_errors_total\{code="GW_CLIENT_CLOSED".*\} 1$/m);
  });
});
