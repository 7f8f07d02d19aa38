import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import type { Priority } from '../spec.ts';
import { ConcurrencyGate, GateTicket, QueuedEntry, type GateWaiter } from './concurrency-gate.ts';

/** A gate with `limit` slots and a queue, plus a log of what happened to each named request. */
function setup(limit: number, queue = { maxLength: 3, timeoutMs: 1_000 }, minRttMs?: number) {
  const clock = new FakeClock();
  const gate = new ConcurrencyGate({ limit, minRttMs }, queue, { clock });
  const log: string[] = [];
  const tickets = new Map<string, GateTicket>();
  const entries = new Map<string, QueuedEntry>();
  const enter = (name: string, priority: Priority = 'default'): string => {
    const waiter: GateWaiter = {
      admit(ticket) {
        tickets.set(name, ticket);
        log.push(`${name} admitted`);
      },
      refuse(reason) {
        log.push(`${name} ${reason}`);
      },
    };
    const result = gate.enter(priority, waiter);
    if (result instanceof GateTicket) {
      tickets.set(name, result);
      return 'now';
    }
    if (result instanceof QueuedEntry) entries.set(name, result);
    return result instanceof QueuedEntry ? 'queued' : result;
  };
  const release = (name: string): void => tickets.get(name)!.release();
  return { clock, gate, log, enter, release, entries };
}

describe('ConcurrencyGate', () => {
  it('admits up to the limit at once and queues the rest', () => {
    const { gate, enter } = setup(2);
    expect([enter('a'), enter('b'), enter('c')]).toEqual(['now', 'now', 'queued']);
    expect(gate.inFlight).toBe(2);
    expect(gate.queued).toBe(1);
  });

  it('serves a class first come, first served', () => {
    const { enter, release, log } = setup(1);
    enter('a');
    enter('b');
    enter('c');
    enter('d');
    release('a');
    release('b');
    release('c');
    expect(log).toEqual(['b admitted', 'c admitted', 'd admitted']);
  });

  it('serves critical before default before sheddable, whatever the arrival order', () => {
    const { enter, release, log } = setup(1);
    enter('first');
    enter('s', 'sheddable');
    enter('d', 'default');
    enter('c', 'critical');
    release('first');
    release('c');
    release('d');
    expect(log).toEqual(['c admitted', 'd admitted', 's admitted']);
  });

  it('refuses a newcomer when the queue is full of its own class or better', () => {
    const { gate, enter } = setup(1);
    enter('a');
    enter('b');
    enter('c');
    enter('d');
    expect(enter('e')).toBe('shed');
    expect(enter('f', 'sheddable')).toBe('shed');
    expect(gate.shed).toBe(2);
    expect(gate.queued).toBe(3);
  });

  it('sheds the newest waiter of the lowest class when a more important request arrives', () => {
    const { enter, log, gate } = setup(1);
    enter('busy');
    enter('s1', 'sheddable');
    enter('s2', 'sheddable');
    enter('d1', 'default');
    expect(enter('c1', 'critical')).toBe('queued');
    expect(enter('d2', 'default')).toBe('queued');
    expect(log).toEqual(['s2 shed', 's1 shed']);
    expect(enter('d3', 'default')).toBe('shed');
    expect(gate.queued).toBe(3);
  });

  it('times a waiter out after the queue timeout, and never admits it later', () => {
    const { clock, enter, release, log, gate } = setup(1, { maxLength: 3, timeoutMs: 500 });
    enter('a');
    enter('b');
    clock.advance(499);
    expect(log).toEqual([]);
    clock.advance(1);
    expect(log).toEqual(['b timeout']);
    expect(gate.timedOut).toBe(1);
    release('a');
    expect(log).toEqual(['b timeout']);
    expect(gate.inFlight).toBe(0);
  });

  it('forgets a waiter whose client left, and gives the slot to the next one', () => {
    const { enter, release, log, entries, gate } = setup(1);
    enter('a');
    enter('b');
    enter('c');
    entries.get('b')!.cancel();
    expect(gate.queued).toBe(1);
    release('a');
    expect(log).toEqual(['c admitted']);
  });

  it('never lets a newcomer overtake waiters when a slot frees', () => {
    const { enter, release, log } = setup(1);
    enter('a');
    enter('b');
    release('a');
    expect(enter('c')).toBe('queued');
    expect(log).toEqual(['b admitted']);
  });

  it('refuses at once without a queue', () => {
    const { enter } = setup(1, { maxLength: 0, timeoutMs: 1_000 });
    enter('a');
    expect(enter('b', 'critical')).toBe('shed');
  });

  it('releases a ticket once, however often release is called', () => {
    const { enter, release, gate } = setup(2);
    enter('a');
    release('a');
    release('a');
    expect(gate.inFlight).toBe(0);
  });

  it('does not grow without bound while nothing is admitted and waiters keep timing out', () => {
    const { clock, enter, gate } = setup(1, { maxLength: 8, timeoutMs: 10 });
    enter('hung');
    for (let i = 0; i < 100_000; i++) {
      enter(`w${i}`);
      clock.advance(1);
    }
    expect(gate.queued).toBeLessThanOrEqual(8);
    expect(gate.inFlight).toBe(1);
  });

  it('lets a burst wait up to the queue timeout, even with CoDel', () => {
    const { clock, enter, release, log } = setup(1, { maxLength: 3, timeoutMs: 1_000 }, 20);
    enter('a');
    enter('b');
    clock.advance(80);
    release('a');
    expect(log).toEqual(['b admitted']);
  });

  it('keeps the plain queue timeout for a fixed limit, however long the queue stands', () => {
    const { clock, enter, release, log } = setup(1, { maxLength: 3, timeoutMs: 1_000 });
    enter('a');
    enter('b');
    clock.advance(900);
    release('a');
    expect(log).toEqual(['b admitted']);
  });

  it('with a measured min RTT of 20 ms, cuts waits to 5 ms once the queue has been busy for 100 ms (CoDel)', () => {
    const { clock, enter, release, log, gate } = setup(1, { maxLength: 10, timeoutMs: 1_000 }, 20);
    enter('a');
    enter('old');
    clock.advance(150);
    enter('fresh');
    clock.advance(2);
    release('a');
    // The queue has been busy for 152 ms: 'old' waited 152 ms and is refused, 'fresh' (2 ms) goes.
    expect(log).toEqual(['old timeout', 'fresh admitted']);
    expect(gate.timedOut).toBe(1);
    expect(gate.inFlight).toBe(1);
    // Once the queue has been empty for most of an interval, the next busy spell is a burst again.
    release('fresh');
    clock.advance(100);
    enter('next');
    enter('burst');
    clock.advance(50);
    release('next');
    expect(log.at(-1)).toBe('burst admitted');
  });

  it('sees a standing queue although every burst of answers empties it for an instant', () => {
    // Four slots answered together every 20 ms and eight arrivals right after each burst: twice the
    // capacity. The queue fills at once, and the next burst of answers empties it for an instant. Counting
    // that instant as the end of the overload kept CoDel off (measured under 4×: waits of 8.5 ms, not 5).
    const { clock, enter, release, log, gate } = setup(4, { maxLength: 4, timeoutMs: 1_000 }, 20);
    const startMs = clock.nowMs();
    let inFlight: string[] = [];
    const lateWaitsMs: number[] = [];
    let seen = 0;
    const collect = (): void => {
      for (; seen < log.length; seen++) {
        const [name, outcome] = log[seen]!.split(' ');
        if (outcome !== 'admitted') continue;
        inFlight.push(name!);
        const waitedMs = clock.nowMs() - Number(name!.slice(1));
        if (clock.nowMs() - startMs > 120) lateWaitsMs.push(waitedMs);
      }
    };
    for (let burst = 0; burst < 20; burst++) {
      const answered = inFlight;
      inFlight = [];
      for (const name of answered) {
        release(name);
        collect();
      }
      for (let i = 0; i < 8; i++) {
        const name = `w${clock.nowMs()}`;
        if (enter(name) === 'now') inFlight.push(name);
        clock.advance(1);
      }
      clock.advance(12);
    }
    expect(gate.timedOut).toBeGreaterThan(0);
    expect(lateWaitsMs.every((waitedMs) => waitedMs <= 5)).toBe(true);
  });

  it('serves the newest waiter first while the queue stands (adaptive LIFO)', () => {
    const { clock, enter, release, log } = setup(1, { maxLength: 10, timeoutMs: 1_000 }, 20);
    enter('a');
    enter('early');
    clock.advance(120);
    enter('older');
    clock.advance(1);
    enter('newer');
    clock.advance(1);
    release('a');
    // Busy for 122 ms: 'early' waited past the 5 ms target; of the rest, the newest goes first.
    expect(log).toEqual(['early timeout', 'newer admitted']);
    release('newer');
    expect(log.at(-1)).toBe('older admitted');
  });

  it('scales CoDel with a slow upstream: a 2 s min RTT tolerates a queue standing for 10 s', () => {
    const { clock, enter, release, log } = setup(1, { maxLength: 3, timeoutMs: 30_000 }, 2_000);
    enter('a');
    enter('b');
    enter('c');
    clock.advance(9_000);
    release('a');
    expect(log).toEqual(['b admitted']);
    clock.advance(2_000);
    release('b');
    // Standing for 11 s now, and 'c' waited all of it, far over a quarter of the min RTT.
    expect(log).toEqual(['b admitted', 'c timeout']);
  });

  it('admits waiters when capacity grows without a release', () => {
    const clock = new FakeClock();
    const limit = { limit: 1 };
    const gate = new ConcurrencyGate(limit, { maxLength: 3, timeoutMs: 1_000 }, { clock });
    const admitted: string[] = [];
    const waiter = (name: string): GateWaiter => ({
      admit: () => admitted.push(name),
      refuse: () => undefined,
    });
    gate.enter('default', waiter('a'));
    gate.enter('default', waiter('b'));
    gate.enter('default', waiter('c'));
    limit.limit = 3;
    gate.pump();
    expect(admitted).toEqual(['b', 'c']);
  });
});

describe('room outside the gate (endpoint caps)', () => {
  it('tells the room test how many admitted requests no endpoint holds yet, until dispatched or released', () => {
    const clock = new FakeClock(0);
    const endpointRoom = 2;
    const seen: number[] = [];
    const gate = new ConcurrencyGate(
      { limit: Number.POSITIVE_INFINITY },
      { maxLength: 10, timeoutMs: 1_000 },
      {
        clock,
        hasRoom: (pending) => {
          seen.push(pending);
          return endpointRoom > pending;
        },
      },
    );
    const waiter: GateWaiter = { admit: () => undefined, refuse: () => undefined };
    const first = gate.enter('default', waiter);
    const second = gate.enter('default', waiter);
    // Two admitted with bodies still arriving: the endpoints' two free places are spoken for.
    expect(gate.enter('default', waiter)).toBeInstanceOf(QueuedEntry);
    expect(seen).toEqual([0, 1, 2]);
    if (!(first instanceof GateTicket) || !(second instanceof GateTicket)) throw new Error('not admitted');
    // The first reaches its endpoint (whose own count holds it now); the second's client leaves.
    first.dispatched();
    first.dispatched();
    second.release();
    // Nothing is pending any more, so the waiter goes: the first and the third are in flight.
    expect(seen.at(-1)).toBe(0);
    expect(gate.inFlight).toBe(2);
    expect(gate.queued).toBe(0);
  });

  it("hands its queue and count to a reload's gate: waiters move in order, tickets release into it", () => {
    const { clock, gate, enter, release, entries, log } = setup(1, { maxLength: 3, timeoutMs: 1_000 });
    enter('running');
    enter('w1');
    enter('w2', 'critical');
    enter('w3');
    clock.advance(400);
    const next = new ConcurrencyGate({ limit: 1 }, { maxLength: 3, timeoutMs: 5_000 }, { clock });
    gate.handOverTo(next);
    expect([gate.inFlight, gate.queued, next.inFlight, next.queued]).toEqual([0, 0, 1, 3]);
    // A client that leaves after the move frees its place in the new queue.
    entries.get('w3')!.cancel();
    expect(next.queued).toBe(2);
    release('running');
    expect(log).toEqual(['w2 admitted']);
    expect(next.inFlight).toBe(1);
    // w1 keeps the deadline it got in the old queue (1 s), not the new queue's 5 s.
    clock.advance(600);
    expect(log).toEqual(['w2 admitted', 'w1 timeout']);
    release('w2');
    expect([next.inFlight, next.queued]).toEqual([0, 0]);
  });
});
