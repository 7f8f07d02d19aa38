import { afterEach, describe, expect, it } from 'vitest';
import { openSocket, sendRaw, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/** What the client's connection carries of an upstream answer: framing it can trust, on keep-alive too. */

let gateway: LimitedGateway | undefined;
let upstream: TestUpstream | undefined;

afterEach(async () => {
  await gateway?.stop();
  await upstream?.close();
  gateway = upstream = undefined;
});

/** Two requests on one keep-alive connection; resolves with everything the gateway sent back. */
async function twoOnOneConnection(port: number, first: string): Promise<string> {
  const socket = await openSocket(port);
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(
    `GET ${first} HTTP/1.1\r\nHost: a\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
  );
  await closed;
  return text;
}

describe('a 204 whose upstream sent a Content-Length', () => {
  it('reaches the client without it (RFC 9110 §8.6), and the next response on the connection is whole', async () => {
    upstream = await startTestUpstream((req, res) => {
      if (req.url === '/after') return void res.end('after');
      res.writeHead(204, { 'content-length': '5' });
      res.end();
    });
    gateway = await startLimitedGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api' }],
    });
    const text = await twoOnOneConnection(gateway.port, '/empty');
    const [first, second] = text.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 204 /);
    expect(first).not.toMatch(/content-length/i);
    expect(second).toMatch(/^HTTP\/1\.1 200 /);
    expect(second?.endsWith('\r\n\r\nafter')).toBe(true);
  });
});

describe('103 Early Hints from the upstream', () => {
  it('reach an HTTP/1.1 client before the final response (RFC 9110 §15.2), never an HTTP/1.0 one', async () => {
    upstream = await startTestUpstream((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' }, () => res.end('final'));
    });
    gateway = await startLimitedGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api' }],
    });
    const modern = await sendRaw(gateway.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(modern.text).toMatch(
      /^HTTP\/1\.1 103 Early Hints\r\nLink: <\/style\.css>; rel=preload; as=style\r\n\r\nHTTP\/1\.1 200 OK\r\n/,
    );
    expect(modern.text.endsWith('\r\n\r\nfinal')).toBe(true);
    const old = await sendRaw(gateway.port, 'GET / HTTP/1.0\r\nHost: a\r\n\r\n');
    expect(old.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});
