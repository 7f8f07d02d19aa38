import type { Clock } from '../../core/clock.ts';
import type { Priority, QueueSpec } from '../spec.ts';
import { GateTicket, QueuedEntry } from './gate-ticket.ts';

export { GateTicket, QueuedEntry };

/** Where a gate's limit comes from: a fixed number, or a controller that learns from latency samples. */
export interface ConcurrencyLimit {
  readonly limit: number;
  /** A measured floor of the upstream's latency (adaptive limits): it scales the queue's CoDel. */
  readonly minRttMs?: number | undefined;
  addSample?(latencyMs: number, nowMs: number, inFlight: number): void;
}

/** A queued request learns its fate through this. */
export interface GateWaiter {
  admit(ticket: GateTicket): void;
  /** `timeout`: waited past the queue timeout; `shed`: a more important request took its place. */
  refuse(reason: 'timeout' | 'shed'): void;
}

const rankOf: Readonly<Record<Priority, number>> = { critical: 0, default: 1, sheddable: 2 };

/**
 * CoDel for request queues, as Facebook's Wangle applies it: a queue that stays busy for an interval is a
 * standing overload, not a burst, and waiting longer than the target only adds latency to every admitted
 * request without adding throughput. Such waiters are refused. Wangle's 5 ms / 100 ms suit fast services; a
 * pool with a measured min RTT scales them (a quarter of it, and five times it) so a queue for slow LLM slots
 * is not mistaken for a standing one. Fixed limits keep HAProxy's plain queue timeout.
 *
 * "Busy" is judged per interval, by the share of it the queue was non-empty: upstream answers arrive in
 * bursts (one socket read can release a dozen slots), so even a queue under 4× overload empties for an
 * instant many times a second. When any empty instant ended the spell, CoDel almost never engaged
 * (measured: the spell restarted 17 times a second, admitted requests waited 8.5 ms instead of 5).
 *
 * While the queue stands, it is served newest first (Facebook's adaptive LIFO, "Fail at Scale"): the
 * newest waiter has the best chance to be answered in time, and the oldest are the ones CoDel refuses.
 */
const codelMinIntervalMs = 100;
const codelMinTargetMs = 5;

interface Entry {
  readonly waiter: GateWaiter;
  readonly rank: number;
  readonly enqueuedMs: number;
  readonly deadlineMs: number;
  /** The gate whose queue holds it: a reload moves it to the new config's gate (handOverTo). */
  gate: ConcurrencyGate;
  cancelTimer: (() => void) | undefined;
  isDone: boolean;
}

/**
 * HAProxy's maxconn + queue for one pool, with SRE criticality: at most `limit` requests in flight; the rest
 * wait in a bounded queue, critical before default before sheddable, first come first served within a class,
 * each for at most the queue timeout. When the queue is full a newcomer displaces the newest waiter of a
 * lower class, or is refused itself. Under standing overload the wait is cut to CoDel's target and the newest
 * waiter of a class goes first (above).
 * A gate decides nothing about what the limit is: `ConcurrencyLimit` does.
 */
export class ConcurrencyGate {
  readonly #limit: ConcurrencyLimit;
  readonly #queue: QueueSpec;
  readonly #clock: Clock;
  /**
   * Extra room test, e.g. "the endpoints have room below their own caps"; re-checked on `pump`. `pending`
   * counts requests admitted that no endpoint holds yet (their bodies still arriving): room they will take.
   */
  readonly #hasRoom: (pending: number) => boolean;
  /** One FIFO per class; entries leave lazily (timed out or abandoned ones are skipped). */
  readonly #classes: Entry[][] = [[], [], []];
  readonly #heads = [0, 0, 0];
  #inFlight = 0;
  #pending = 0;
  #queued = 0;
  /** CoDel's interval (see above): when the current one began, and how long the queue was busy in it. */
  #intervalStartMs: number;
  #busyMsInInterval = 0;
  /** When the queue last went from empty to busy. */
  #busySinceMs = 0;
  /** Whether the queue was busy for most of the last whole interval. */
  #wasBusy = false;
  #shed = 0;
  #timedOut = 0;
  /** The same pool's gate in the config a reload swapped in: it counts and queues for this one now. */
  #successor: ConcurrencyGate | undefined;

  constructor(
    limit: ConcurrencyLimit,
    queue: QueueSpec,
    deps: { readonly clock: Clock; readonly hasRoom?: ((pending: number) => boolean) | undefined },
  ) {
    this.#limit = limit;
    this.#queue = queue;
    this.#clock = deps.clock;
    this.#hasRoom = deps.hasRoom ?? (() => true);
    this.#intervalStartMs = deps.clock.nowMs();
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queued;
  }

  get limit(): number {
    return this.#limit.limit;
  }

  /** Whether the gate now counting this one's requests learns its limit from latency samples. */
  get isAdaptive(): boolean {
    return this.#successor ? this.#successor.isAdaptive : this.#limit.addSample !== undefined;
  }

  /** Requests refused because the queue was full or a more important one displaced them. */
  get shed(): number {
    return this.#shed;
  }

  get timedOut(): number {
    return this.#timedOut;
  }

  /**
   * A ticket when the request may go now; 'queued' when it waits (the waiter hears later, and `cancel` takes
   * it out if the client leaves); 'shed' when it is refused at once.
   */
  enter(priority: Priority, waiter: GateWaiter): GateTicket | QueuedEntry | 'shed' {
    // A request that was still passing the rate limits at a reload.
    if (this.#successor) return this.#successor.enter(priority, waiter);
    // Nobody may overtake the queue: a free slot with waiters belongs to them, not to a newcomer.
    if (this.#queued === 0 && this.#isRoom()) return this.#admit();
    const rank = rankOf[priority];
    if (this.#queued >= this.#queue.maxLength && !this.#displaceBelow(rank)) {
      this.#shed += 1;
      return 'shed';
    }
    const nowMs = this.#clock.nowMs();
    if (this.#queued === 0) {
      this.#rollInterval(nowMs);
      this.#busySinceMs = nowMs;
    }
    const deadlineMs = nowMs + this.#queue.timeoutMs;
    const entry: Entry = {
      waiter,
      rank,
      enqueuedMs: nowMs,
      deadlineMs,
      gate: this,
      cancelTimer: undefined,
      isDone: false,
    };
    this.#arm(entry);
    this.#classes[rank]!.push(entry);
    this.#queued += 1;
    return new QueuedEntry(() => {
      if (!entry.isDone) entry.gate.#remove(entry);
    });
  }

  /**
   * A reload built `next` for the same pool: waiters move to its queue, ahead of any of its own, in their
   * order and with their deadlines, and the requests running here count against its limit until they end
   * (their tickets release through this gate into it). Otherwise a waiter would wait for a slot of a gate
   * nobody new enters, while the new gate, counting nobody, let later requests overtake it.
   */
  handOverTo(next: ConcurrencyGate): void {
    this.#successor = next;
    next.#inFlight += this.#inFlight;
    next.#pending += this.#pending;
    this.#inFlight = 0;
    this.#pending = 0;
    const nowMs = this.#clock.nowMs();
    if (next.#queued === 0 && this.#queued > 0) {
      next.#rollInterval(nowMs);
      next.#busySinceMs = nowMs;
    }
    for (let rank = 0; rank < this.#classes.length; rank++) {
      const moved = this.#classes[rank]!.slice(this.#heads[rank]).filter((entry) => !entry.isDone);
      for (const entry of moved) {
        entry.cancelTimer?.();
        entry.gate = next;
        next.#arm(entry);
      }
      next.#classes[rank] = [...moved, ...next.#classes[rank]!.slice(next.#heads[rank])];
      next.#heads[rank] = 0;
      next.#queued += moved.length;
      this.#classes[rank]!.length = 0;
      this.#heads[rank] = 0;
    }
    this.#queued = 0;
    next.pump();
  }

  /** Capacity may have grown without a release (the limit rose, an endpoint came back): admit waiters. */
  pump(): void {
    if (this.#successor) return;
    while (this.#queued > 0 && this.#isRoom()) {
      const isStanding = this.#isStanding();
      if (isStanding) this.#refuseStale();
      const entry = isStanding ? this.#popNewest() : this.#popFront();
      if (!entry) return;
      entry.waiter.admit(this.#admit());
    }
  }

  /** @internal GateTicket.release */
  leave(wasPending: boolean): void {
    if (this.#successor) return this.#successor.leave(wasPending);
    this.#inFlight -= 1;
    if (wasPending) this.#pending -= 1;
    this.pump();
  }

  /** @internal GateTicket.dispatched */
  dispatched(): void {
    if (this.#successor) return this.#successor.dispatched();
    this.#pending -= 1;
  }

  /** @internal GateTicket.responded */
  sample(latencyMs: number, nowMs: number): void {
    if (this.#successor) return this.#successor.sample(latencyMs, nowMs);
    if (!this.#limit.addSample) return;
    // The sampled request still counts as in flight: the load it saw included itself.
    this.#limit.addSample(latencyMs, nowMs, this.#inFlight);
    // The limit may have risen: waiters can go now rather than at the next release.
    this.pump();
  }

  /** The queue timeout, at the deadline the waiter got where it first queued. */
  #arm(entry: Entry): void {
    entry.cancelTimer = this.#clock.setTimer(entry.deadlineMs - this.#clock.nowMs(), () => {
      if (entry.isDone) return;
      this.#remove(entry);
      this.#timedOut += 1;
      entry.waiter.refuse('timeout');
    });
  }

  /** Only adaptive limits (with a measured min RTT) apply CoDel. */
  #isStanding(): boolean {
    if (this.#limit.minRttMs === undefined) return false;
    this.#rollInterval(this.#clock.nowMs());
    return this.#wasBusy;
  }

  /** Closes the interval once it is over: busy for at least half of it means the queue stands. */
  #rollInterval(nowMs: number): void {
    const elapsedMs = nowMs - this.#intervalStartMs;
    if (elapsedMs < Math.max(codelMinIntervalMs, 5 * (this.#limit.minRttMs ?? 0))) return;
    const busyMs = this.#busyMsInInterval + this.#busyMsOfCurrentSpell(nowMs);
    this.#wasBusy = busyMs >= elapsedMs / 2;
    this.#intervalStartMs = nowMs;
    this.#busyMsInInterval = 0;
  }

  #busyMsOfCurrentSpell(nowMs: number): number {
    return this.#queued > 0 ? nowMs - Math.max(this.#busySinceMs, this.#intervalStartMs) : 0;
  }

  #codelTargetMs(): number {
    return Math.max(codelMinTargetMs, (this.#limit.minRttMs ?? 0) / 4);
  }

  /** CoDel's cut, oldest first: every waiter that has waited past the target is refused now. */
  #refuseStale(): void {
    const oldestAllowedMs = this.#clock.nowMs() - this.#codelTargetMs();
    for (let rank = 0; rank < this.#classes.length; rank++) {
      const fifo = this.#classes[rank]!;
      while (this.#heads[rank]! < fifo.length) {
        const entry = fifo[this.#heads[rank]!]!;
        if (!entry.isDone && entry.enqueuedMs >= oldestAllowedMs) break;
        this.#heads[rank]! += 1;
        if (entry.isDone) continue;
        this.#finish(entry);
        this.#timedOut += 1;
        entry.waiter.refuse('timeout');
      }
      this.#compact(rank);
    }
  }

  #isRoom(): boolean {
    return this.#inFlight < this.#limit.limit && this.#hasRoom(this.#pending);
  }

  #admit(): GateTicket {
    this.#inFlight += 1;
    this.#pending += 1;
    return new GateTicket(this, this.#clock.nowMs());
  }

  /** Sheds the newest waiter of the lowest class below `rank`; false when there is none. */
  #displaceBelow(rank: number): boolean {
    for (let lower = this.#classes.length - 1; lower > rank; lower--) {
      const fifo = this.#classes[lower]!;
      while (fifo.length > this.#heads[lower]!) {
        const entry = fifo.pop()!;
        if (entry.isDone) continue;
        this.#finish(entry);
        this.#shed += 1;
        entry.waiter.refuse('shed');
        return true;
      }
    }
    return false;
  }

  /** The newest waiter of the most important class. */
  #popNewest(): Entry | undefined {
    for (let rank = 0; rank < this.#classes.length; rank++) {
      const fifo = this.#classes[rank]!;
      while (fifo.length > this.#heads[rank]!) {
        const entry = fifo.pop()!;
        if (entry.isDone) continue;
        this.#finish(entry);
        this.#compact(rank);
        return entry;
      }
      this.#compact(rank);
    }
    return undefined;
  }

  #popFront(): Entry | undefined {
    for (let rank = 0; rank < this.#classes.length; rank++) {
      const fifo = this.#classes[rank]!;
      while (this.#heads[rank]! < fifo.length) {
        const entry = fifo[this.#heads[rank]!]!;
        this.#heads[rank]! += 1;
        if (entry.isDone) continue;
        this.#compact(rank);
        this.#finish(entry);
        return entry;
      }
      this.#compact(rank);
    }
    return undefined;
  }

  /**
   * Abandoned or timed out: counted out now, skipped when the FIFO reaches it. Timeouts leave from the front
   * (one timeout per class, FIFO), so the front is trimmed here too: a hung pool admits nobody for a while,
   * and its FIFOs must not fill with the dead meanwhile.
   */
  #remove(entry: Entry): void {
    this.#finish(entry);
    const fifo = this.#classes[entry.rank]!;
    let head = this.#heads[entry.rank]!;
    while (head < fifo.length && fifo[head]!.isDone) head += 1;
    this.#heads[entry.rank] = head;
    this.#compact(entry.rank);
  }

  #finish(entry: Entry): void {
    entry.isDone = true;
    entry.cancelTimer?.();
    if (this.#queued === 1) this.#busyMsInInterval += this.#busyMsOfCurrentSpell(this.#clock.nowMs());
    this.#queued -= 1;
  }

  /** Drops consumed slots from the front now and then, so a long-lived FIFO does not grow forever. */
  #compact(rank: number): void {
    const head = this.#heads[rank]!;
    const fifo = this.#classes[rank]!;
    if (head === fifo.length) {
      fifo.length = 0;
      this.#heads[rank] = 0;
    } else if (head > 1_024 && head * 2 > fifo.length) {
      fifo.splice(0, head);
      this.#heads[rank] = 0;
    }
  }
}
