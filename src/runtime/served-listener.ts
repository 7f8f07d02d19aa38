import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Server, Socket } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** What starting a gateway listener gives back: RunningServer and RunningTlsServer both are one. */
export interface StartedListener {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting and resolves when every connection is gone. */
  close(): Promise<void>;
}

/**
 * A bound gateway listener and every connection it accepted, upgraded ones included, so that closing it
 * can be bounded: once it closes, its responses carry `Connection: close`, and `cutOff()` ends the rest.
 */
export class ServedListener<T extends StartedListener = StartedListener> {
  readonly #started: T;
  /** Shared with the request handler `open` wraps around the gateway's. */
  readonly #state: { isClosing: boolean };
  readonly #sockets = new Set<Socket>();
  #closed: Promise<void> | undefined;

  /** Starts a listener whose requests go to `handle`. */
  static async open<T extends StartedListener>(
    start: (handle: Handler) => Promise<T>,
    handle: Handler,
  ): Promise<ServedListener<T>> {
    const state = { isClosing: false };
    const started = await start((req, res) => {
      // A closing listener still serves what its open connections send, then lets each connection go.
      if (state.isClosing) closeAfterResponse(req, res);
      handle(req, res);
    });
    // The event loop does not turn between `listening` and here, so no connection escapes the tracking.
    return new ServedListener(started, state);
  }

  private constructor(started: T, state: { isClosing: boolean }) {
    this.#started = started;
    this.#state = state;
    started.server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  get url(): string {
    return this.#started.url;
  }

  get started(): T {
    return this.#started;
  }

  /**
   * Keeps accepting and serving, but each response ends its connection, so clients leave their pooled
   * connections before the listener closes (a stop's shutdown_delay). Idle connections are left alone:
   * closing one races a request the client may be writing on it.
   */
  stopKeepAlive(): void {
    this.#state.isClosing = true;
  }

  /** Stops accepting and closes idle keep-alive connections; resolves when every connection is gone. */
  close(): Promise<void> {
    this.#state.isClosing = true;
    this.#closed ??= this.#started.close();
    this.closeIdle();
    return this.#closed;
  }

  /** Closes connections idle now, e.g. keep-alive ones whose response began before the listener closed. */
  closeIdle(): void {
    // node has it on both servers (for the TLS listener's HTTP/1.1 fallback); @types/node omits it there.
    (this.#started.server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  }

  /** Ends every connection now: requests under way, idle ones, and WebSockets, which node's own helpers skip. */
  cutOff(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}

/**
 * HTTP/1.1: `Connection: close` on this response. HTTP/2 (the TLS listener): GOAWAY, after which the session
 * finishes its streams, this one included, and takes no new one.
 */
function closeAfterResponse(req: IncomingMessage, res: ServerResponse): void {
  const { stream } = req as { stream?: ServerHttp2Stream };
  if (stream) stream.session?.close();
  else res.shouldKeepAlive = false;
}

/** For a listener nobody should still be using (a failed start or reload): stop accepting, end everything. */
export async function closeNow(listeners: readonly ServedListener[]): Promise<void> {
  const closed = Promise.all(listeners.map((listener) => listener.close()));
  for (const listener of listeners) listener.cutOff();
  await closed;
}
