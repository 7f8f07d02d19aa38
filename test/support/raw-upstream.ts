import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * An upstream on a plain socket: it records each request head as it arrived, byte for byte (latin1), and
 * answers each with `answer`, so a test sees exactly what the gateway sent and can answer bytes no node server
 * would write.
 */
export interface RawUpstream {
  readonly url: string;
  /** Each request head received (request line and header lines, without the blank line). */
  readonly heads: string[];
  /** Connections accepted, so a refusal can be shown to have sent the upstream nothing. */
  readonly connections: () => number;
}

const okAnswer = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const open = new Set<Server>();

export async function startRawUpstream(answer = okAnswer): Promise<RawUpstream> {
  const heads: string[] = [];
  let connections = 0;
  const server = createServer((socket: Socket) => {
    connections += 1;
    let received = '';
    socket.setEncoding('latin1');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      received += chunk;
      for (let end = received.indexOf('\r\n\r\n'); end !== -1; end = received.indexOf('\r\n\r\n')) {
        heads.push(received.slice(0, end));
        received = received.slice(end + 4);
        socket.write(answer, 'latin1');
      }
    });
  });
  open.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, heads, connections: () => connections };
}

/** For afterEach, once whatever connects to them (the gateway) has stopped. */
export async function closeRawUpstreams(): Promise<void> {
  const servers = [...open];
  open.clear();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
}
