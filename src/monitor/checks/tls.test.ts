import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../../../test/support/self-signed.ts';
import type { CheckContext } from './check.ts';
import { tlsCheck, type TlsCheckSpec } from './tls.ts';

const context: CheckContext = {
  signal: new AbortController().signal,
  timeoutMs: 2_000,
  needs: { body: false },
};

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Closes a server after destroying whatever it accepted: an unread socket would keep close() waiting. */
async function closeServer(server: Server, sockets: readonly Socket[] = []): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
}

describe('tlsCheck', () => {
  let certificate: SelfSignedCertificate;
  let server: Server;
  let spec: TlsCheckSpec;
  const requestedNames: string[] = [];

  beforeAll(async () => {
    // The shared helper makes certificates valid for one day from now: 0 whole days are left.
    certificate = await makeSelfSignedCertificate();
    server = createServer({
      cert: certificate.certPem,
      key: certificate.keyPem,
      SNICallback: (servername, done) => {
        requestedNames.push(servername);
        done(null); // the default context
      },
    });
    spec = { kind: 'tls', host: '127.0.0.1', port: await listen(server), verify: false };
  });
  afterAll(async () => {
    await closeServer(server);
    await certificate.remove();
  });

  it('completes a handshake and reports whole days left on the certificate', async () => {
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const observation = await tlsCheck.run(spec, context);
    expect(observation).toEqual({
      responseTimeMs: expect.any(Number) as unknown,
      connected: true,
      certDaysLeft: 0,
    });
    const [socket] = await accepted;
    if (!socket.closed) await once(socket, 'close'); // the check left nothing open
  });

  it('sends the servername as SNI, and no SNI for an IP address', async () => {
    requestedNames.length = 0;
    await tlsCheck.run(spec, context);
    await tlsCheck.run({ ...spec, servername: 'localhost' }, context);
    expect(requestedNames).toEqual(['localhost']);
  });

  it('refuses an untrusted certificate when verifying, and still reports its days left', async () => {
    const observation = await tlsCheck.run({ ...spec, verify: true }, context);
    expect(observation).toMatchObject({
      connected: false,
      certDaysLeft: 0,
      error: 'TLS: self-signed certificate',
    });
  });

  it('reports a failed handshake with a server that does not speak TLS', async () => {
    const plain = createHttpServer();
    const port = await listen(plain);
    try {
      const observation = await tlsCheck.run({ ...spec, port }, context);
      expect(observation).toMatchObject({
        connected: false,
        error: expect.stringMatching(/^TLS: /) as unknown,
      });
      expect(observation.certDaysLeft).toBeUndefined();
    } finally {
      plain.closeAllConnections();
      await closeServer(plain);
    }
  });

  it('times out when the server never answers the ClientHello, and closes its socket', async () => {
    const silent = createTcpServer(); // accepts, reads the ClientHello, never answers
    const sockets: Socket[] = [];
    silent.on('connection', (socket: Socket) => sockets.push(socket.resume())); // reading, it sees the close
    const port = await listen(silent);
    try {
      const observation = await tlsCheck.run({ ...spec, port }, { ...context, timeoutMs: 200 });
      expect(observation).toMatchObject({ connected: false, error: 'timed out after 200 ms' });
      const [socket] = sockets;
      if (socket && !socket.closed) await once(socket, 'close');
    } finally {
      await closeServer(silent, sockets);
    }
  });
});
