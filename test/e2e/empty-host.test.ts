import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sendRaw,
  startCountingUpstream,
  startLimitedGateway,
  type CountingUpstream,
  type LimitedGateway,
} from '../support/raw-http.ts';

let upstream: CountingUpstream;
let gateway: LimitedGateway;

beforeAll(async () => {
  upstream = await startCountingUpstream();
  gateway = await startLimitedGateway({
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ pool: 'api' }],
  });
});

afterAll(async () => {
  await gateway.stop();
  await upstream.close();
});

describe('an empty Host', () => {
  // RFC 9110 §4.2.1: an http(s) URI has a host; a request naming none is refused as one without Host is.
  it.each([
    ['HTTP/1.1, nothing after the colon', 'GET /x HTTP/1.1\r\nHost:\r\n\r\n'],
    ['HTTP/1.1, only spaces', 'GET /x HTTP/1.1\r\nHost:   \r\n\r\n'],
    ['HTTP/1.0', 'GET /x HTTP/1.0\r\nHost:\r\n\r\n'],
  ])('%s → 400 GW_BAD_REQUEST, never forwarded', async (_name, request) => {
    const before = { ...upstream.seen };
    const reply = await sendRaw(gateway.port, request);
    expect(reply.status, reply.text).toBe(400);
    expect(reply.errorCode).toBe('GW_BAD_REQUEST');
    expect(reply.text).toContain('Host is empty');
    expect(upstream.seen).toEqual(before);
  });

  it('is no refusal of a named Host (the setup is not refusing everything)', async () => {
    const reply = await sendRaw(
      gateway.port,
      'GET /x HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n',
    );
    expect(reply.status).toBe(200);
  });
});
