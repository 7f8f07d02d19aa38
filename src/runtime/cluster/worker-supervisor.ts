import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../observability/index.ts';
import type { BucketRequest, RateDecision } from '../../gateway/overload/rate-limit-store.ts';
import { closeLostHandoffs } from './lost-handoffs.ts';
import { isMessage, type PrimaryMessage, type WorkerMessage } from './messages.ts';
import { RestartBackoff } from './restart-backoff.ts';

const workerMain = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

export interface WorkerInfo {
  readonly slot: number;
  readonly pid: number | undefined;
  readonly isReady: boolean;
  /** It has stopped accepting and finishes what it has, then exits. */
  readonly isDraining: boolean;
  readonly restarts: number;
}

export interface WorkerExit {
  /** `SIGKILL`, `code 1`, … */
  readonly text: string;
  /** It drained (asked to, e.g. by its own SIGTERM) and exited with code 0: an expected stop, not a crash. */
  readonly isCleanStop: boolean;
}

export interface WorkerReply {
  readonly slot: number;
  /** cluster worker id: unique for the life of the primary, unlike a slot, which a replacement reuses. */
  readonly workerId: number;
  readonly reply: WorkerMessage | undefined;
}

export interface SupervisorHooks {
  /** The `start` message for a new worker in `slot`, built from the config and health live now. */
  readonly startMessage: (slot: number) => PrimaryMessage;
  readonly onReady: (info: WorkerInfo, reply: Extract<WorkerMessage, { type: 'ready' }>) => void;
  /** A worker exited while the cluster runs (a crash, or a stop of that worker alone); replaced after `restartInMs`. */
  readonly onReplace: (info: WorkerInfo, exit: WorkerExit, restartInMs: number) => void;
  readonly onExit: (workerId: number) => void;
  /** Decides a worker's rate-limit request against the buckets the primary holds. */
  readonly rateTake: (requests: readonly BucketRequest[]) => RateDecision;
  readonly logger: Logger;
}

interface Slot {
  readonly index: number;
  readonly backoff: RestartBackoff;
  worker: Worker | undefined;
  startedAtMs: number;
  isReady: boolean;
  isDraining: boolean;
  restarts: number;
  restartTimer: NodeJS.Timeout | undefined;
  readonly pending: Map<number, (reply: WorkerMessage | undefined) => void>;
}

/**
 * Forks the gateway workers and keeps `count` of them: a worker that dies unasked is replaced, with
 * exponential backoff while its slot crash-loops, and the others keep serving meanwhile.
 */
export class WorkerSupervisor {
  readonly #slots: Slot[];
  readonly #hooks: SupervisorHooks;
  #nextRequestId = 0;
  #isStopping = false;

  constructor(count: number, hooks: SupervisorHooks) {
    this.#hooks = hooks;
    this.#slots = Array.from({ length: count }, (_, index) => ({
      index,
      backoff: new RestartBackoff(),
      worker: undefined,
      startedAtMs: 0,
      isReady: false,
      isDraining: false,
      restarts: 0,
      restartTimer: undefined,
      pending: new Map(),
    }));
    // Structured clone over IPC: the Config (Maps, RegExps, nested objects) crosses unchanged.
    cluster.setupPrimary({ exec: workerMain, args: [], serialization: 'advanced' });
  }

  get workers(): WorkerInfo[] {
    return this.#slots.map((slot) => this.#info(slot));
  }

  /** At least one worker listens: what the cluster's readiness stands on. */
  get isServing(): boolean {
    return this.#slots.some((slot) => slot.isReady && !slot.isDraining);
  }

  /** Forks every worker; resolves with the first ready reply once all are ready, rejects if one fails. */
  async start(): Promise<Extract<WorkerMessage, { type: 'ready' }>> {
    const replies = await Promise.all(this.#slots.map((slot) => this.#fork(slot)));
    return replies[0]!;
  }

  /** Sends to every worker that is serving. */
  broadcast(message: PrimaryMessage): void {
    for (const slot of this.#slots) if (slot.isReady) slot.worker?.send(message);
  }

  /**
   * Asks every serving worker (or one slot's), and draining ones too if `orDraining` (a draining worker still
   * counts requests, but applies no reload); one that dies or does not answer in time replies undefined.
   */
  ask(
    message: (requestId: number) => PrimaryMessage,
    timeoutMs: number,
    {
      onlySlot,
      orDraining = false,
    }: { readonly onlySlot?: number | undefined; readonly orDraining?: boolean } = {},
  ): Promise<WorkerReply[]> {
    const asked = this.#slots.filter(
      (slot) => slot.isReady && (orDraining || !slot.isDraining) && (onlySlot ?? slot.index) === slot.index,
    );
    return Promise.all(asked.map((slot) => this.#askOne(slot, message, timeoutMs)));
  }

  /** Stops replacing workers, asks each to drain, and kills any still alive after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    this.#isStopping = true;
    const exits: Promise<unknown>[] = [];
    for (const slot of this.#slots) {
      clearTimeout(slot.restartTimer);
      const worker = slot.worker;
      if (!worker || worker.isDead()) continue;
      exits.push(new Promise((resolve) => worker.once('exit', resolve)));
      if (worker.isConnected()) worker.send({ type: 'drain' } satisfies PrimaryMessage);
      else worker.kill('SIGKILL');
    }
    const killer = setTimeout(() => {
      for (const slot of this.#slots)
        if (slot.worker && !slot.worker.isDead()) slot.worker.process.kill('SIGKILL');
    }, timeoutMs);
    await Promise.all(exits);
    clearTimeout(killer);
  }

  #fork(slot: Slot): Promise<Extract<WorkerMessage, { type: 'ready' }>> {
    const worker = cluster.fork();
    closeLostHandoffs(worker);
    slot.worker = worker;
    slot.startedAtMs = performance.now();
    slot.isReady = false;
    slot.isDraining = false;
    return new Promise((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        if (!isMessage<WorkerMessage>(message)) return;
        switch (message.type) {
          case 'hello':
            return void worker.send(this.#hooks.startMessage(slot.index));
          case 'ready':
            slot.isReady = true;
            this.#hooks.onReady(this.#info(slot), message);
            return resolve(message);
          case 'draining':
            slot.isDraining = true;
            return;
          case 'start-failed':
            return reject(new Error(`gateway worker ${slot.index} failed to start: ${message.error}`));
          case 'metrics':
            return slot.pending.get(message.requestId)?.(message);
          case 'reloaded':
            return slot.pending.get(message.reloadId)?.(message);
          case 'rate-take': {
            const reply: PrimaryMessage = {
              type: 'rate-decision',
              id: message.id,
              decision: this.#hooks.rateTake(message.requests),
            };
            if (worker.isConnected()) worker.send(reply);
            return;
          }
          case 'stopped':
            return;
        }
      });
      worker.once('exit', (code, signal) => {
        reject(new Error(`gateway worker ${slot.index} exited (${signal ?? code}) before it was ready`));
        this.#onExit(slot, worker, {
          text: signal ?? `code ${code}`,
          isCleanStop: slot.isDraining && code === 0 && signal === null,
        });
      });
    });
  }

  #onExit(slot: Slot, worker: Worker, exit: WorkerExit): void {
    slot.isReady = false;
    for (const finish of slot.pending.values()) finish(undefined);
    this.#hooks.onExit(worker.id);
    if (this.#isStopping || slot.worker !== worker) return;
    const restartInMs = slot.backoff.delayAfterExitMs(performance.now() - slot.startedAtMs);
    this.#hooks.onReplace(this.#info(slot), exit, restartInMs);
    slot.worker = undefined;
    slot.restartTimer = setTimeout(() => {
      slot.restarts++;
      // A replacement that fails is one more crash: its exit schedules the next try, with more backoff.
      this.#fork(slot).catch((error: unknown) =>
        this.#hooks.logger.warn({ event: 'worker-start-failed', err: error }, 'worker replacement failed'),
      );
    }, restartInMs);
  }

  #askOne(
    slot: Slot,
    message: (requestId: number) => PrimaryMessage,
    timeoutMs: number,
  ): Promise<WorkerReply> {
    const worker = slot.worker;
    if (!worker?.isConnected()) return Promise.resolve({ slot: slot.index, workerId: -1, reply: undefined });
    const requestId = ++this.#nextRequestId;
    return new Promise((resolve) => {
      const finish = (reply: WorkerMessage | undefined): void => {
        clearTimeout(timer);
        slot.pending.delete(requestId);
        resolve({ slot: slot.index, workerId: worker.id, reply });
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      slot.pending.set(requestId, finish);
      worker.send(message(requestId));
    });
  }

  #info(slot: Slot): WorkerInfo {
    return {
      slot: slot.index,
      pid: slot.worker?.process.pid,
      isReady: slot.isReady,
      isDraining: slot.isDraining,
      restarts: slot.restarts,
    };
  }
}
