import { fileURLToPath } from 'node:url';
import { Pool, type Dispatcher } from 'undici';
import { SlotSet } from '../../src/gateway/slot-set.ts';
import { nodeBinary, pinned, type ChildSet } from './children.ts';
import {
  outcomeError,
  outcomeTimeout,
  summarizeRun,
  type OpenLoopSummary,
  type RequestLog,
} from './open-loop-summary.ts';

/**
 * An open-loop load generator: request i of a phase is due at phaseStart + i / rate whatever the earlier
 * responses do, and its latency counts from that due time, so a slow target cannot slow the offered load or
 * hide its queueing (no coordinated omission). A late timer sends what is due at once; nothing is skipped.
 */

export interface PhasePlan {
  readonly name: string;
  readonly ratePerS: number;
  readonly durationMs: number;
  /** Report goodput in 100 ms buckets from 1 s before this phase to its end (the recovery phase). */
  readonly trace?: boolean | undefined;
}

export interface OpenLoopOptions {
  readonly url: string;
  readonly phases: readonly PhasePlan[];
  /** Beyond this many requests in flight, requests wait in the generator for a free connection. */
  readonly connections: number;
  /** From the send; a request still unanswered then counts as a timeout. */
  readonly timeoutMs: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopSummary> {
  const run = new OpenLoopRun(options);
  await run.finished;
  await run.close();
  return summarizeRun(options.phases, run.log);
}

/** Sends on schedule, caps requests in flight at the connection count, and settles each one exactly once. */
class OpenLoopRun {
  readonly log: RequestLog;
  readonly finished: Promise<void>;
  readonly #options: OpenLoopOptions;
  readonly #path: string;
  readonly #pool: Pool;
  readonly #t0 = performance.now() + startDelayMs;
  // Not a Set: its hash-table churn keeps every request's graph alive into old space (src/gateway/slot-set.ts),
  // and the scavenges that copy it paused this generator for 6–20 ms twice a second at 6,400 req/s, which
  // the requests in flight then counted as latency.
  readonly #inFlight = new SlotSet<Exchange>();
  /** Requests over the connection cap wait here, not in undici, so one that expires can go unsent. */
  readonly #waiting: number[] = [];
  #waitingHead = 0;
  #next = 0;
  #settled = 0;
  #onFinished: () => void = () => undefined;
  readonly #sweeper: NodeJS.Timeout;
  readonly #details = new Map<string, number>([['', 0]]);

  constructor(options: OpenLoopOptions) {
    this.#options = options;
    this.log = scheduleRequests(options.phases);
    const url = new URL(options.url);
    this.#path = url.pathname;
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 60_000,
      // The sweeper is the only timeout, so every slow answer is measured, none cut short.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.finished = new Promise((resolve) => (this.#onFinished = resolve));
    if (this.log.dueMs.length === 0) this.#onFinished();
    this.#sweeper = setInterval(this.#sweep, sweepIntervalMs);
    setTimeout(this.#pump, startDelayMs);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.#pool.close();
  }

  #nowMs(): number {
    return performance.now() - this.#t0;
  }

  readonly #pump = (): void => {
    const { dueMs } = this.log;
    const dueBeforeMs = this.#nowMs();
    // Everything due goes out now, however late the timer fired: a skipped request would hide overload.
    while (this.#next < dueMs.length && (dueMs[this.#next] ?? 0) <= dueBeforeMs) this.#send(this.#next++);
    if (this.#next === dueMs.length) return;
    const waitMs = (dueMs[this.#next] ?? 0) - this.#nowMs();
    if (waitMs <= 0) setImmediate(this.#pump);
    else setTimeout(this.#pump, waitMs);
  };

  #send(i: number): void {
    this.log.sentMs[i] = this.#nowMs();
    if (this.#inFlight.size < this.#options.connections) return this.#dispatch(i);
    this.log.waitedForConnection[i] = 1;
    this.#waiting.push(i);
  }

  #dispatch(i: number): void {
    const exchange = new Exchange(i, (outcome, detail) => {
      this.#inFlight.remove(slot);
      this.#settle(i, outcome, detail);
      const next = this.#takeWaiting();
      if (next !== undefined) this.#dispatch(next);
    });
    const slot = this.#inFlight.add(exchange);
    this.#pool.dispatch({ path: this.#path, method: 'GET', headersTimeout: 0, bodyTimeout: 0 }, exchange);
  }

  #settle(i: number, outcome: number, detail: string): void {
    this.log.doneMs[i] = this.#nowMs();
    this.log.outcome[i] = outcome;
    this.log.detail[i] = this.#detailIndex(detail);
    if (++this.#settled === this.log.dueMs.length) this.#onFinished();
  }

  /** FIFO by send time, so the expired are at the head; they time out unsent. */
  #takeWaiting(): number | undefined {
    for (let i = this.#waiting[this.#waitingHead]; i !== undefined; i = this.#waiting[this.#waitingHead]) {
      this.#waitingHead++;
      if (!this.#isExpired(i)) return i;
      this.#settle(i, outcomeTimeout, '');
    }
    return undefined;
  }

  readonly #sweep = (): void => {
    this.#inFlight.forEach((exchange) => {
      if (this.#isExpired(exchange.index)) exchange.timeOut();
    });
    const waiting = this.#waiting;
    while (this.#waitingHead < waiting.length && this.#isExpired(waiting[this.#waitingHead] ?? 0))
      this.#settle(waiting[this.#waitingHead++] ?? 0, outcomeTimeout, '');
  };

  #isExpired(i: number): boolean {
    return (this.log.sentMs[i] ?? 0) <= this.#nowMs() - this.#options.timeoutMs;
  }

  #detailIndex(text: string): number {
    let index = this.#details.get(text);
    if (index === undefined) this.#details.set(text, (index = this.log.details.push(text) - 1));
    return index;
  }
}

/** Time to set up before the first request is due, so it is not late from the start. */
const startDelayMs = 50;
/** Timeouts are checked this often, so a timeout fires up to this late. */
const sweepIntervalMs = 100;

/** One request on undici's dispatch API: no body stream per request, which request() would cost. */
class Exchange implements Dispatcher.DispatchHandler {
  readonly index: number;
  readonly #onSettled: (outcome: number, detail: string) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #isTimedOut = false;
  #status = 0;
  /** Only error bodies are kept: their JSON carries the gateway's GW_ code. */
  #errorBody: Buffer[] | undefined;

  constructor(index: number, onSettled: (outcome: number, detail: string) => void) {
    this.index = index;
    this.#onSettled = onSettled;
  }

  timeOut(): void {
    if (this.#isTimedOut) return;
    this.#isTimedOut = true;
    this.#controller?.abort(new Error('open-loop timeout'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Timed out while its connection was still opening: abort before a byte goes out.
    if (this.#isTimedOut) controller.abort(new Error('open-loop timeout'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
    if (statusCode < 200 || statusCode >= 300) this.#errorBody = [];
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#errorBody?.push(chunk);
  }

  onResponseEnd(): void {
    const body = this.#errorBody ? Buffer.concat(this.#errorBody).toString() : '';
    this.#onSettled(this.#status, body ? gatewayCode(body) : '');
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#isTimedOut) this.#onSettled(outcomeTimeout, '');
    else this.#onSettled(outcomeError, (error as Error & { code?: string }).code ?? error.name);
  }
}

function scheduleRequests(phases: readonly PhasePlan[]): RequestLog {
  const counts = phases.map((p) => Math.round((p.ratePerS * p.durationMs) / 1000));
  const total = counts.reduce((sum, n) => sum + n, 0);
  const log: RequestLog = {
    phase: new Uint8Array(total),
    dueMs: new Float64Array(total),
    sentMs: new Float64Array(total),
    doneMs: new Float64Array(total),
    outcome: new Int16Array(total),
    detail: new Uint16Array(total),
    details: [''],
    waitedForConnection: new Uint8Array(total),
  };
  let i = 0;
  let phaseStartMs = 0;
  phases.forEach((plan, phase) => {
    for (let j = 0; j < (counts[phase] ?? 0); j++, i++) {
      log.phase[i] = phase;
      log.dueMs[i] = phaseStartMs + (j * 1000) / plan.ratePerS;
    }
    phaseStartMs += plan.durationMs;
  });
  return log;
}

/** The `GW_…` code of Bulwark's JSON error body; other bodies (nginx HTML, upstream text) give ''. */
export function gatewayCode(body: string): string {
  try {
    const code: unknown = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && code.startsWith('GW_') ? code : '';
  } catch {
    return '';
  }
}

const clientScript = fileURLToPath(new URL('../open-loop-client.ts', import.meta.url));

/** Runs the generator as a pinned child through the ChildSet, so an interrupted bench kills it too. */
export async function runOpenLoopChild(
  children: ChildSet,
  core: number,
  options: OpenLoopOptions,
): Promise<OpenLoopSummary> {
  const [command, args] = pinned(core, nodeBinary, [
    // Fewer young-generation collections, so fewer pauses that would make sends late.
    '--max-semi-space-size=32',
    clientScript,
    ...['--url', options.url, '--plan', JSON.stringify(options.phases)],
    ...['--connections', String(options.connections), '--timeout', `${options.timeoutMs}ms`],
  ]);
  const child = children.spawn(command, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  // Bounded: every request settles within its timeout after the last one is due.
  const planMs = options.phases.reduce((sum, p) => sum + p.durationMs, 0);
  const timer = setTimeout(() => void children.kill(child), planMs + options.timeoutMs + 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`load generator failed (exit ${code}): ${stderr.trim().slice(-300)}`);
  // JSON has no NaN: the percentiles of an empty set arrive as null and go back to NaN.
  return JSON.parse(stdout, (_key, value: unknown) => value ?? Number.NaN) as OpenLoopSummary;
}
