import type { Endpoint } from '../endpoint.ts';
import type { Balancer, BalancerDeps, BalancerFactory } from './balancer.ts';

interface Slot {
  currentWeight: number;
  /** The pick that last saw this endpoint offered; stale slots are forgotten by it. */
  seenAtPick: number;
}

/**
 * nginx's smooth weighted round-robin (ngx_http_upstream_get_peer): each pick adds every offered
 * endpoint's weight to its current weight, takes the largest, and subtracts the total from the winner.
 * Weights 5,1,1 give a a b a c a a — spread out, never aaaaabc — and exact shares over each cycle.
 * State is keyed by endpoint id, so it survives the list being rebuilt or reordered between calls.
 */
class SmoothWeightedRoundRobin implements Balancer {
  readonly #slots = new Map<string, Slot>();
  readonly #nowMs: () => number;
  #picks = 0;

  constructor(deps: BalancerDeps) {
    this.#nowMs = deps.nowMs;
  }

  pick(ready: readonly Endpoint[]): Endpoint | undefined {
    if (ready.length < 2) return ready[0];
    // nginx skips a peer at max_conns: it takes no share of the round while another has room. Only when
    // every endpoint is full does the plain round go on (and the request waits at its endpoint's gate).
    return this.#pickAmong(ready, true) ?? this.#pickAmong(ready, false);
  }

  #pickAmong(ready: readonly Endpoint[], isSkippingSaturated: boolean): Endpoint | undefined {
    const pickNumber = ++this.#picks;
    // Slow start scales weights by time; one clock read serves the whole pick.
    const nowMs = this.#nowMs();
    let totalWeight = 0;
    let best: Endpoint | undefined;
    let bestSlot: Slot | undefined;
    for (const endpoint of ready) {
      const slot = this.#slotFor(endpoint.id);
      slot.seenAtPick = pickNumber;
      if (isSkippingSaturated && endpoint.isSaturated) continue;
      const weight = endpoint.effectiveWeight(nowMs);
      slot.currentWeight += weight;
      totalWeight += weight;
      if (bestSlot === undefined || slot.currentWeight > bestSlot.currentWeight) {
        best = endpoint;
        bestSlot = slot;
      }
    }
    if (bestSlot) bestSlot.currentWeight -= totalWeight;
    // An endpoint that is briefly left out (ejected, or excluded on a retry) keeps its slot, as nginx
    // keeps a down peer's current weight; only when stale slots outnumber the list are they dropped.
    if (this.#slots.size > 2 * ready.length) this.#forgetUnseen(pickNumber);
    return best;
  }

  #slotFor(id: string): Slot {
    let slot = this.#slots.get(id);
    if (slot === undefined) {
      // A joining endpoint starts level with the rest (nginx starts current_weight at 0).
      slot = { currentWeight: 0, seenAtPick: 0 };
      this.#slots.set(id, slot);
    }
    return slot;
  }

  #forgetUnseen(pickNumber: number): void {
    for (const [id, slot] of this.#slots) if (slot.seenAtPick !== pickNumber) this.#slots.delete(id);
  }
}

export const weightedRoundRobin: BalancerFactory<'weighted-round-robin'> = {
  kind: 'weighted-round-robin',
  create: (deps) => new SmoothWeightedRoundRobin(deps),
};
