import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { faultsPatchSchema, faultsToWire, noFaults, type Faults, type FaultsPatch } from './faults.ts';
import { BodyTooLargeError, pathOf, readBody, sendJson } from './http-io.ts';
import { errorBody } from './openai.ts';
import { findRoute } from './upstream-routes.ts';

/**
 * A simulated LLM-style upstream: OpenAI-compatible chat completions (JSON and SSE), /v1/models, /healthz,
 * /echo, and fault switches at /_faults. Two listeners: the data port (which can crash) and a control port
 * that serves only /_faults and survives a crash, so `{"crash": false}` there restarts the data port.
 */

export interface SeenRequest {
  readonly requestId: string | undefined;
  readonly method: string;
  readonly path: string;
}

export interface UpstreamOptions {
  readonly name: string;
  /** Data port; 0 (default) picks a free one. */
  readonly port?: number | undefined;
  /** Control port for /_faults; 0 (default) picks a free one. */
  readonly controlPort?: number | undefined;
  /** Pause between streamed tokens. Default 20 ms, a brisk hosted model. */
  readonly tokenDelayMs?: number | undefined;
  /** Injected so tests can make error_rate deterministic. */
  readonly random?: (() => number) | undefined;
  /** Called synchronously for every API request on arrival, before any fault delays or drops it. */
  readonly onRequest?: ((seen: SeenRequest) => void) | undefined;
}

export interface RunningUpstream {
  readonly name: string;
  readonly url: string;
  readonly controlUrl: string;
  /** API requests that arrived (not /healthz, not /_faults), whatever happened to them after. */
  readonly received: number;
  readonly faults: Faults;
  /** Merges over the current faults; resolves once a crash or restart has taken effect. */
  setFaults(patch: FaultsPatch): Promise<void>;
  close(): Promise<void>;
}

const host = '127.0.0.1';
const maxFaultsBodyBytes = 64 * 1024;

export async function startUpstream(options: UpstreamOptions): Promise<RunningUpstream> {
  const upstream = new SimulatedUpstream(options);
  await upstream.listen(options.port ?? 0, options.controlPort ?? 0);
  return upstream;
}

class SimulatedUpstream implements RunningUpstream {
  readonly name: string;
  #options: UpstreamOptions;
  #data: Server;
  #control: Server;
  #dataPort = 0;
  #controlPort = 0;
  #sockets = new Set<Socket>();
  #faults: Faults = noFaults;
  #received = 0;
  // Replaced on every restart; aborting it ends in-flight streams and slow_ms waits of the crashed generation.
  #generation = new AbortController();
  #transition: Promise<void> = Promise.resolve();

  constructor(options: UpstreamOptions) {
    this.name = options.name;
    this.#options = options;
    this.#data = createServer((req, res) => this.#onData(req, res));
    this.#data.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    this.#control = createServer((req, res) => this.#onControl(req, res));
  }

  get url(): string {
    return `http://${host}:${this.#dataPort}`;
  }

  get controlUrl(): string {
    return `http://${host}:${this.#controlPort}`;
  }

  get received(): number {
    return this.#received;
  }

  get faults(): Faults {
    return this.#faults;
  }

  async listen(dataPort: number, controlPort: number): Promise<void> {
    this.#dataPort = await listenOn(this.#data, dataPort);
    this.#controlPort = await listenOn(this.#control, controlPort);
  }

  setFaults(patch: FaultsPatch): Promise<void> {
    // Queued: a restart must not start listening while the crash before it is still closing the port.
    const applied = this.#transition.then(() => this.#applyFaults(patch));
    this.#transition = applied.catch(() => undefined);
    return applied;
  }

  async #applyFaults(patch: FaultsPatch): Promise<void> {
    const wasCrashed = this.#faults.crash;
    this.#faults = { ...this.#faults, ...patch };
    if (this.#faults.crash && !wasCrashed) await this.#crash();
    // Restart on the same port: clients and the gateway's config still point at it.
    if (!this.#faults.crash && wasCrashed) {
      this.#generation = new AbortController();
      await listenOn(this.#data, this.#dataPort);
    }
  }

  async close(): Promise<void> {
    await this.setFaults({ crash: true });
    this.#control.closeAllConnections();
    await new Promise<void>((resolve) => this.#control.close(() => resolve()));
  }

  async #crash(): Promise<void> {
    this.#generation.abort();
    const closed = new Promise<void>((resolve) => this.#data.close(() => resolve()));
    // A crash answers nothing: hung and streaming requests die with their sockets, mid-response if need be.
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #onData(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-upstream', this.name);
    this.#handleData(req, res).catch((error: unknown) => failRequest(res, error));
  }

  async #handleData(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    // /_faults is answered before any fault applies, so hang, slow and error modes can always be undone.
    if (path === '/_faults') return this.#handleFaults(req, res);
    if (path !== '/healthz') this.#noteArrival(req, path);
    if (this.#faults.hang) return; // never answered; destroyed on crash or close
    const route = findRoute(req);
    if (!route) {
      req.resume();
      sendJson(res, 404, errorBody(`no route for ${req.method} ${path} on ${this.name}`, 'not_found_error'));
      return;
    }
    const tokenDelayMs = this.#options.tokenDelayMs ?? 20;
    const random = this.#options.random ?? Math.random;
    const signal = this.#generation.signal;
    await route(req, res, { name: this.name, tokenDelayMs, faults: this.#faults, signal, random });
  }

  #noteArrival(req: IncomingMessage, path: string): void {
    this.#received += 1;
    const header = req.headers['x-request-id'];
    const requestId = Array.isArray(header) ? header[0] : header;
    this.#options.onRequest?.({ requestId, method: req.method ?? 'GET', path });
  }

  #onControl(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-upstream', this.name);
    if (pathOf(req) !== '/_faults') {
      req.resume();
      sendJson(res, 404, { error: 'the control port serves only /_faults' });
      return;
    }
    this.#handleFaults(req, res).catch((error: unknown) => failRequest(res, error));
  }

  async #handleFaults(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') return sendJson(res, 200, faultsToWire(this.#faults));
    if (req.method === 'DELETE') return this.#applyThenAnswer(res, noFaults);
    if (req.method !== 'POST' && req.method !== 'PUT') {
      req.resume();
      return sendJson(res, 405, { error: 'use GET, POST, PUT or DELETE' });
    }
    const body = await readBody(req, maxFaultsBodyBytes);
    let json: unknown;
    try {
      json = JSON.parse(body || '{}');
    } catch {
      return sendJson(res, 400, { error: 'body must be JSON such as {"slow_ms": 500}' });
    }
    const patch = faultsPatchSchema.safeParse(json);
    if (!patch.success)
      return sendJson(res, 400, {
        error: patch.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      });
    return this.#applyThenAnswer(res, patch.data);
  }

  async #applyThenAnswer(res: ServerResponse, patch: FaultsPatch): Promise<void> {
    const next = { ...this.#faults, ...patch };
    const isCrashingNow = next.crash && !this.#faults.crash;
    if (!isCrashingNow) {
      await this.setFaults(patch);
      return sendJson(res, 200, faultsToWire(this.#faults));
    }
    // Answer first, then crash: the caller learns the switch took, then sees the port go dark.
    sendJson(res, 200, faultsToWire(next));
    await new Promise<void>((resolve) => res.once('close', resolve));
    await this.setFaults(patch);
  }
}

function failRequest(res: ServerResponse, error: unknown): void {
  // Aborts come from a crash or close, and a half-sent response cannot be turned into an error.
  const isAbort = error instanceof Error && error.name === 'AbortError';
  if (isAbort || res.headersSent) {
    res.destroy();
    return;
  }
  const isTooLarge = error instanceof BodyTooLargeError;
  const body = errorBody(String(error), isTooLarge ? 'invalid_request_error' : 'server_error');
  sendJson(res, isTooLarge ? 413 : 500, body);
}

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
