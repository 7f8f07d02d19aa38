import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckContext } from './check.ts';
import { tcpCheck } from './tcp.ts';

const context = (signal = new AbortController().signal): CheckContext => ({
  signal,
  timeoutMs: 2_000,
  needs: { body: false },
});

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A port that was just free: bound, then released, so a connect to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('tcpCheck', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('connects to an open port, then closes the connection', async () => {
    const server = createServer();
    servers.push(server);
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const port = await listen(server);

    const observation = await tcpCheck.run({ kind: 'tcp', host: '127.0.0.1', port }, context());

    expect(observation).toEqual({ responseTimeMs: expect.any(Number) as unknown, connected: true });
    const [socket] = await accepted;
    await once(socket, 'close'); // the check left nothing open
  });

  it('reports a refused connection on a closed port', async () => {
    const port = await closedPort();
    const observation = await tcpCheck.run({ kind: 'tcp', host: '127.0.0.1', port }, context());
    expect(observation).toEqual({
      responseTimeMs: expect.any(Number) as unknown,
      connected: false,
      error: `connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const observation = await tcpCheck.run(
      { kind: 'tcp', host: '127.0.0.1', port: 9 },
      context(controller.signal),
    );
    expect(observation).toMatchObject({ connected: false, error: 'aborted' });
  });
});
