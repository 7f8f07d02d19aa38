import type { Endpoint } from '../endpoint.ts';
import type { Balancer, BalancerDeps, BalancerFactory } from './balancer.ts';

/**
 * Plain rotation over whatever list is offered. The cursor is an index taken modulo the current length,
 * so a list that grows, shrinks or reorders between calls is still served in turn (a change can make one
 * endpoint be skipped or repeated once, never more).
 */
class RoundRobin implements Balancer {
  #cursor: number;

  constructor(deps: BalancerDeps) {
    // A random start keeps N gateway workers, restarted together, from all sending their first
    // requests to the same endpoint.
    this.#cursor = Math.floor(deps.random() * 0x7fff_ffff);
  }

  pick(ready: readonly Endpoint[]): Endpoint | undefined {
    const count = ready.length;
    if (count === 0) return undefined;
    const start = this.#cursor % count;
    // HAProxy's roundrobin under maxconn: an endpoint whose connections are all busy is passed over while
    // another has room, and keeps its turn only when every one is full (then the request waits at its gate).
    let index = start;
    for (let step = 0; step < count; step++) {
      const candidate = (start + step) % count;
      if (!ready[candidate]!.isSaturated) {
        index = candidate;
        break;
      }
    }
    // Stored small (≤ length), so the cursor never grows toward imprecise float territory.
    this.#cursor = index + 1;
    return ready[index];
  }
}

export const roundRobin: BalancerFactory<'round-robin'> = {
  kind: 'round-robin',
  create: (deps) => new RoundRobin(deps),
};
