import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../../../test/support/self-signed.ts';
import { startTestUpstream, type TestUpstream } from '../../../test/support/test-upstream.ts';
import { Client } from 'undici';
import { httpCheck, type HttpCheckContext, type HttpCheckSpec } from './http.ts';

const context = (overrides: Partial<HttpCheckContext> = {}): HttpCheckContext => ({
  signal: new AbortController().signal,
  timeoutMs: 2_000,
  needs: { body: true },
  ...overrides,
});

const get = (url: string, overrides: Partial<HttpCheckSpec> = {}): HttpCheckSpec => ({
  kind: 'http',
  url,
  method: 'GET',
  headers: {},
  followRedirects: true,
  maxBodyBytes: 64 * 1024,
  ...overrides,
});

describe('httpCheck', () => {
  let upstream: TestUpstream;
  const connections: Socket[] = [];

  beforeAll(async () => {
    upstream = await startTestUpstream((req, res) => {
      const url = new URL(req.url ?? '/', 'http://upstream');
      const hop = /^\/hop\/(\d+)$/.exec(url.pathname);
      if (url.pathname === '/json') {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'test' });
        res.end(JSON.stringify({ ok: true, items: [1, 2] }));
      } else if (url.pathname === '/unavailable') {
        res.writeHead(503).end('down for maintenance');
      } else if (url.pathname === '/echo') {
        let body = '';
        req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        req.on('end', () => res.end(JSON.stringify({ method: req.method, headers: req.headers, body })));
      } else if (url.pathname === '/endless') {
        // Two-byte characters forever, until the client hangs up.
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        const write = () => {
          while (res.write('é'.repeat(1024)));
        };
        res.on('drain', write);
        write();
      } else if (url.pathname === '/reset') {
        res.writeHead(200, { 'content-length': '100' }).write('partial', () => req.socket.destroy());
      } else if (url.pathname === '/silent') {
        // Never answers.
      } else if (['/loop', '/ping', '/pong'].includes(url.pathname)) {
        const next = { '/loop': '/loop', '/ping': '/pong', '/pong': '/ping' }[url.pathname];
        res.writeHead(302, { location: next }).end();
      } else if (hop) {
        // /hop/n redirects to /hop/n+1 until n = 3, which answers; /hop/10 and above redirect forever.
        const n = Number(hop[1]);
        if (n === 3) res.end('arrived');
        else res.writeHead(n % 2 ? 301 : 302, { location: `/hop/${n + 1}` }).end();
      } else {
        res.writeHead(404).end();
      }
    });
    upstream.server.on('connection', (socket: Socket) => connections.push(socket));
  });
  afterAll(() => upstream.close());
  afterEach(() => {
    connections.length = 0;
  });

  it('observes status, headers and body of a JSON answer', async () => {
    const observation = await httpCheck.run(get(`${upstream.url}/json`), context());
    expect(observation).toMatchObject({
      connected: true,
      status: 200,
      headers: { 'content-type': 'application/json', 'x-served-by': 'test', 'set-cookie': 'a=1, b=2' },
    });
    expect(JSON.parse(observation.body ?? '')).toEqual({ ok: true, items: [1, 2] });
    expect(observation.error).toBeUndefined();
    expect(observation.certDaysLeft).toBeUndefined();
    expect(observation.responseTimeMs).toBeGreaterThan(0);
  });

  it('observes a 503 as a status, not an error', async () => {
    const observation = await httpCheck.run(get(`${upstream.url}/unavailable`), context());
    expect(observation).toMatchObject({ status: 503, body: 'down for maintenance' });
    expect(observation.error).toBeUndefined();
  });

  it('sends the method, headers and body of the spec, and a user agent of its own', async () => {
    const spec = get(`${upstream.url}/echo`, { method: 'POST', headers: { 'X-Probe': 'yes' }, body: 'ping' });
    const echoed = JSON.parse((await httpCheck.run(spec, context())).body ?? '') as Record<string, unknown>;
    expect(echoed).toMatchObject({
      method: 'POST',
      body: 'ping',
      headers: { 'x-probe': 'yes', 'user-agent': 'bulwark-monitor' },
    });
  });

  it('keeps no body when no assertion needs it, and a body past maxBodyBytes is no failure', async () => {
    const observation = await httpCheck.run(
      get(`${upstream.url}/endless`, { maxBodyBytes: 1001 }),
      context({ needs: { body: false } }),
    );
    expect(observation).toMatchObject({ connected: true, status: 200 });
    expect(observation.body).toBeUndefined();
    expect(observation.error).toBeUndefined();
    const [socket] = connections;
    if (socket) await closed(socket); // the check hung up, leaving nothing open
  });

  it('reads at most maxBodyBytes, never splitting a character, then hangs up', async () => {
    const observation = await httpCheck.run(
      get(`${upstream.url}/endless`, { maxBodyBytes: 1001 }),
      context(),
    );
    expect(observation.status).toBe(200);
    expect(observation.body).toBe('é'.repeat(500)); // 1000 bytes; the half character is held back
    const [socket] = connections;
    if (socket) await closed(socket); // the check hung up, leaving nothing open
  });

  it('follows redirects to the final answer', async () => {
    const observation = await httpCheck.run(get(`${upstream.url}/hop/0`), context());
    expect(observation).toMatchObject({ status: 200, body: 'arrived' });
  });

  it('reports the redirect itself when not following', async () => {
    const observation = await httpCheck.run(
      get(`${upstream.url}/hop/0`, { followRedirects: false }),
      context(),
    );
    expect(observation).toMatchObject({ status: 302, headers: { location: '/hop/1' } });
  });

  it('stops after 5 redirects and reports the sixth', async () => {
    const observation = await httpCheck.run(get(`${upstream.url}/hop/10`), context());
    expect(observation).toMatchObject({ status: 301, headers: { location: '/hop/16' } });
  });

  it('opens a fresh connection on every run', async () => {
    await httpCheck.run(get(`${upstream.url}/json`), context());
    await httpCheck.run(get(`${upstream.url}/json`), context());
    expect(connections).toHaveLength(2);
  });

  it("sends through a caller's dispatcher, leaving it open with its connection reused", async () => {
    const client = new Client(upstream.url);
    try {
      const withClient = context({ needs: { body: false }, dispatcher: client });
      const first = await httpCheck.run(get(`${upstream.url}/json`), withClient);
      const second = await httpCheck.run(get(`${upstream.url}/unavailable`), withClient);
      expect([first.status, second.status]).toEqual([200, 503]);
      expect(connections).toHaveLength(1);
      expect(client.destroyed).toBe(false);
    } finally {
      await client.destroy();
    }
  });

  it('times out against a server that never answers, and closes the connection', async () => {
    const observation = await httpCheck.run(get(`${upstream.url}/silent`), context({ timeoutMs: 200 }));
    expect(observation).toMatchObject({ connected: true, error: 'timed out after 200 ms' });
    expect(observation.status).toBeUndefined();
    expect(observation.responseTimeMs).toBeGreaterThanOrEqual(190);
    const [socket] = connections;
    if (socket) await closed(socket); // the check hung up, leaving nothing open
  });

  it('fails a body cut short, even when no assertion reads the body', async () => {
    for (const needs of [{ body: true }, { body: false }]) {
      const observation = await httpCheck.run(get(`${upstream.url}/reset`), context({ needs }));
      expect(observation).toMatchObject({
        connected: true,
        status: 200,
        error: 'body cut short after 7 of 100 bytes (connection lost: other side closed)',
      });
    }
  });

  it('names the URLs of a redirect loop', async () => {
    const toItself = await httpCheck.run(get(`${upstream.url}/loop`), context());
    expect(toItself.error).toBe(`redirect loop: ${upstream.url}/loop redirects to itself`);
    const pingPong = await httpCheck.run(get(`${upstream.url}/ping`), context());
    expect(pingPong.error).toBe(
      `redirect loop: ${upstream.url}/pong redirects back to a URL already visited (1 redirect after ${upstream.url}/ping)`,
    );
  });

  it('bounds a TLS handshake that never completes by the timeout, and hangs up', async () => {
    const accepted: Socket[] = [];
    // Reads and never answers, so the client's hang-up reaches the socket as an end.
    const silent = createTcpServer((socket) => accepted.push(socket.resume())).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const startedMs = performance.now();
      const observation = await httpCheck.run(
        get(`https://127.0.0.1:${(silent.address() as AddressInfo).port}/`),
        context({ timeoutMs: 300 }),
      );
      // undici's own connect timer fired ~500 ms late; the run's deadline must stop the handshake itself.
      expect(performance.now() - startedMs).toBeLessThan(300 + 200);
      expect(observation).toMatchObject({ connected: false, error: 'timed out after 300 ms' });
      await Promise.all(accepted.map(closed));
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reports a refused connection on a closed port', async () => {
    const port = await closedPort();
    const observation = await httpCheck.run(get(`http://127.0.0.1:${port}/`), context());
    expect(observation).toEqual({
      responseTimeMs: expect.any(Number) as unknown,
      connected: false,
      certDaysLeft: undefined,
      error: `connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const observation = httpCheck.run(get(`${upstream.url}/silent`), context({ signal: controller.signal }));
    await once(upstream.server, 'request');
    controller.abort();
    expect(await observation).toMatchObject({ connected: true, error: 'aborted' });
  });
});

describe('httpCheck over https', () => {
  let certificate: SelfSignedCertificate;
  let url: string;
  let plain: TestUpstream;
  let close: () => Promise<void>;
  let handshakes = 0;

  beforeAll(async () => {
    certificate = await makeSelfSignedCertificate();
    const server = createHttpsServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
      if (req.url === '/to-plain') res.writeHead(302, { location: plain.url }).end();
      else if (req.url === '/to-self') res.writeHead(302, { location: '/' }).end();
      else res.end('secure');
    });
    server.on('secureConnection', () => handshakes++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    close = () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    };
    plain = await startTestUpstream((req, res) => {
      if (req.url === '/to-secure') res.writeHead(302, { location: url }).end();
      else res.end('plain');
    });
  });
  afterAll(async () => {
    await Promise.all([close(), plain.close()]);
    await certificate.remove();
  });

  it('reports days left on the certificate of the connection it used', async () => {
    // The shared helper's certificates are valid for one day from now: 0 whole days are left.
    const observation = await httpCheck.run(get(url, { verifyTls: false }), context());
    expect(observation).toMatchObject({ connected: true, status: 200, body: 'secure', certDaysLeft: 0 });
  });

  it('refuses a self-signed certificate by default, still reporting its days left', async () => {
    const observation = await httpCheck.run(get(url), context());
    expect(observation).toEqual({
      responseTimeMs: expect.any(Number) as unknown,
      connected: false,
      certDaysLeft: 0,
      error: 'TLS: self-signed certificate',
    });
  });

  it('reports the certificate of the final origin after redirects', async () => {
    const secured = await httpCheck.run(get(`${plain.url}/to-secure`, { verifyTls: false }), context());
    expect(secured).toMatchObject({ status: 200, body: 'secure', certDaysLeft: 0 });
    const downgraded = await httpCheck.run(get(`${url}to-plain`, { verifyTls: false }), context());
    expect(downgraded).toMatchObject({ status: 200, body: 'plain' });
    expect(downgraded.certDaysLeft).toBeUndefined();
  });

  it('reports days left when no assertion names them, for cert-expiry alerts and metrics', async () => {
    const observation = await httpCheck.run(
      get(url, { verifyTls: false }),
      context({ needs: { body: false } }),
    );
    expect(observation).toMatchObject({ connected: true, status: 200, certDaysLeft: 0 });
  });

  it('reports the certificate after a same-origin redirect over the kept-alive connection', async () => {
    handshakes = 0;
    const observation = await httpCheck.run(get(`${url}to-self`, { verifyTls: false }), context());
    expect(observation).toMatchObject({ status: 200, body: 'secure', certDaysLeft: 0 });
    expect(handshakes).toBe(1);
  });
});

function closed(socket: Socket): Promise<void> {
  // Not once(socket, 'close'): a client hanging up mid-response may first emit ECONNRESET here.
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** A port that was just free: bound, then released, so a connect to it is refused. */
async function closedPort(): Promise<number> {
  const server = createTcpServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
