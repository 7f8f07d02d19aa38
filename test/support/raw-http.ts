import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { configSchema, type ConfigInput } from '../../src/config/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { httpHealthProbe } from '../../src/runtime/http-health-probe.ts';
import { startHttpServer, type RunningServer } from '../../src/gateway/server.ts';
import { proxyWebSockets } from '../../src/gateway/websocket.ts';
import { startTestUpstream, type TestUpstream } from './test-upstream.ts';

/** Raw-socket helpers for hostile-input tests: bytes no well-behaved client library would send. */

export interface LimitedGateway {
  readonly url: string;
  readonly port: number;
  readonly gateway: Gateway;
  /** The listener itself, for a test that watches node's own events on it (clientError). */
  readonly server: Server;
  /** Connections the listener holds open now. */
  connections(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The data plane with the config's `limits` applied to its listener, as app.ts does; with `webSockets`, its
 * upgrades wired as the data plane wires them.
 */
export async function startLimitedGateway(
  config: Omit<ConfigInput, 'listen'>,
  options: { readonly webSockets?: boolean } = {},
): Promise<LimitedGateway> {
  const parsed = configSchema.parse({ ...config, listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' } });
  const gateway = new Gateway(parsed, {
    clock: systemClock,
    random: Math.random,
    healthProbeFor: httpHealthProbe,
  });
  gateway.start();
  const server: RunningServer = await startHttpServer(
    { host: '127.0.0.1', port: 0 },
    gateway.handle,
    parsed.limits,
  );
  if (options.webSockets) proxyWebSockets(server.server, gateway.handleUpgrade, parsed.limits.maxHeaders);
  return {
    url: server.url,
    port: Number(new URL(server.url).port),
    gateway,
    server: server.server,
    connections: () =>
      new Promise((resolve, reject) =>
        server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    async stop() {
      gateway.closeUpgrades();
      server.server.closeAllConnections();
      await server.close();
      await gateway.stop();
    },
  };
}

/** An upstream that counts requests reaching its handler, arriving complete, and cut off mid-body. */
export interface CountingUpstream extends TestUpstream {
  readonly seen: { started: number; completed: number; aborted: number };
}

export async function startCountingUpstream(): Promise<CountingUpstream> {
  const seen = { started: 0, completed: 0, aborted: 0 };
  const upstream = await startTestUpstream((req, res) => {
    seen.started += 1;
    req.resume();
    req.on('end', () => {
      seen.completed += 1;
      res.end('ok');
    });
    req.on('close', () => {
      if (!req.complete) seen.aborted += 1;
    });
  });
  return { ...upstream, seen };
}

export interface RawReply {
  /** 0 when the connection closed without a status line. */
  readonly status: number;
  /** The `error.code` of a JSON error body, if there was one. */
  readonly errorCode: string | undefined;
  readonly text: string;
}

export function parseReply(text: string): RawReply {
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 0);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  let errorCode: string | undefined;
  try {
    errorCode = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    errorCode = undefined;
  }
  return { status, errorCode, text };
}

export function openSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** A client connection that keeps everything the server sends, for tests that read answers while it is open. */
export interface RecordingClient {
  readonly socket: Socket;
  /** Everything received so far, byte for byte (latin1). */
  readonly received: () => string;
  readonly isClosed: () => boolean;
}

export async function openRecordingClient(port: number): Promise<RecordingClient> {
  const socket = await openSocket(port);
  let text = '';
  let isClosed = false;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  // A reset once the server closed with our unread bytes pending is expected.
  socket.on('error', () => undefined);
  socket.on('close', () => (isClosed = true));
  return { socket, received: () => text, isClosed: () => isClosed };
}

/** Everything the server sends until it closes the connection; fails after `timeoutMs`. */
export function readUntilClose(socket: Socket, timeoutMs = 5_000): Promise<RawReply> {
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  // A reset after the answer (the server closed with our unread bytes pending) is expected.
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after ${timeoutMs} ms; received: ${text.slice(0, 200)}`));
    }, timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(parseReply(text));
    });
  });
}

/** Writes `bytes` on a fresh connection and returns what came back before the server closed it. */
export async function sendRaw(port: number, bytes: string | Buffer, timeoutMs?: number): Promise<RawReply> {
  const socket = await openSocket(port);
  const reply = readUntilClose(socket, timeoutMs);
  socket.write(bytes);
  return reply;
}
