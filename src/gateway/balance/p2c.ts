import type { Endpoint } from '../endpoint.ts';
import type { Balancer, BalancerDeps } from './balancer.ts';

/**
 * Power of two choices (Mitzenmacher; Envoy LEAST_REQUEST, Finagle/Linkerd P2C): draw two distinct
 * endpoints at random and keep the one with the lower load. Indices are drawn directly, so a pick copies
 * nothing. A tie goes to the first drawn, which is itself a random choice.
 */
export function pickOfTwo(
  ready: readonly Endpoint[],
  random: () => number,
  loadOf: (endpoint: Endpoint) => number,
): Endpoint | undefined {
  const count = ready.length;
  if (count < 2) return ready[0];
  const firstIndex = Math.floor(random() * count);
  let secondIndex = Math.floor(random() * (count - 1));
  // Stepping over the first index keeps the second draw uniform over the other count − 1 endpoints.
  if (secondIndex >= firstIndex) secondIndex += 1;
  const first = ready[firstIndex];
  const second = ready[secondIndex];
  // Only a random() outside [0, 1) can leave an index out of range.
  if (first === undefined || second === undefined) return first ?? second ?? ready[0];
  // A saturated endpoint would make the request wait for a connection, however low its load looks.
  if (first.isSaturated !== second.isSaturated) return first.isSaturated ? second : first;
  if (first.isSaturated) return withRoomAfter(ready, secondIndex) ?? first;
  return loadOf(second) < loadOf(first) ? second : first;
}

/** The first endpoint with a free connection after `index`, wrapping round; undefined when all are full. */
function withRoomAfter(ready: readonly Endpoint[], index: number): Endpoint | undefined {
  for (let step = 1; step < ready.length; step++) {
    const endpoint = ready[(index + step) % ready.length]!;
    if (!endpoint.isSaturated) return endpoint;
  }
  return undefined;
}

/** A P2C balancer over `loadAt` (lower wins), the time read once per pick. */
export class PowerOfTwoChoices implements Balancer {
  readonly #deps: BalancerDeps;
  readonly #loadAt: (endpoint: Endpoint, nowMs: number) => number;
  #nowMs = 0;
  // Bound once, so a pick allocates no closure; it reads the time the current pick fixed.
  readonly #loadOf = (endpoint: Endpoint): number => this.#loadAt(endpoint, this.#nowMs);

  constructor(deps: BalancerDeps, loadAt: (endpoint: Endpoint, nowMs: number) => number) {
    this.#deps = deps;
    this.#loadAt = loadAt;
  }

  pick(ready: readonly Endpoint[]): Endpoint | undefined {
    if (ready.length < 2) return ready[0];
    this.#nowMs = this.#deps.nowMs();
    return pickOfTwo(ready, this.#deps.random, this.#loadOf);
  }
}
