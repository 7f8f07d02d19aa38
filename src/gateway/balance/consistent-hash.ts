import type { Endpoint } from '../endpoint.ts';
import type { Balancer, BalancerDeps, BalancerFactory, PickHint } from './balancer.ts';

const fnvOffsetBasis = 0x811c9dc5;
const fnvPrime = 0x01000193;
const twoTo32 = 4_294_967_296;

/** FNV-1a over UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = fnvOffsetBasis;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), fnvPrime);
  return hash;
}

/** MurmurHash3's fmix32 finalizer: FNV's low bits mix poorly, and rendezvous needs every bit uniform. */
function fmix32(hash: number): number {
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function hashText(text: string): number {
  return fmix32(fnv1a(text));
}

/**
 * Weighted rendezvous (highest-random-weight) hashing: every endpoint scores −weight / ln(h), with h a
 * uniform (0, 1) hash of key and endpoint id, and the highest score wins (Schindelhauer & Schomaker's
 * logarithmic method). A key's winner depends only on the key and the endpoints offered, not their order,
 * so an endpoint leaving remaps only its own keys, and each endpoint's share is weight / total weight.
 * No ring to build or keep in step with membership; a pick is O(endpoints) and allocates nothing
 * while the offered list stays the same. A key's ranking over all endpoints is its "ring": a saturated
 * endpoint hands the key to the next one down.
 */
class ConsistentHash implements Balancer {
  readonly #random: () => number;
  readonly #nowMs: () => number;
  // Id hashes of the last list offered: the pool hands over the same array until membership changes.
  #hashedList: readonly Endpoint[] = [];
  #idHashes = new Uint32Array(0);

  constructor(deps: BalancerDeps) {
    this.#random = deps.random;
    this.#nowMs = deps.nowMs;
  }

  pick(ready: readonly Endpoint[], hint: PickHint): Endpoint | undefined {
    if (ready.length < 2) return ready[0];
    // Without a key (header or cookie absent, or empty) a random seed makes this a weighted random choice.
    const keyHash = hint.hashKey ? hashText(hint.hashKey) : Math.floor(this.#random() * twoTo32);
    const idHashes = this.#idHashesOf(ready);
    // A ramping endpoint (slow start) wins keys in proportion to its current weight, taking more as it grows.
    const nowMs = this.#nowMs();
    let best = ready[0];
    let bestScore = Number.NEGATIVE_INFINITY;
    // The best-scoring endpoint with a free connection: the key's next choice when its own is saturated.
    let bestWithRoom: Endpoint | undefined;
    let bestWithRoomScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < ready.length; i++) {
      const endpoint = ready[i]!;
      // A second finalizer over the pair: the per-endpoint values for one key must look independent.
      const unit = (fmix32(keyHash ^ (idHashes[i] ?? 0)) + 0.5) / twoTo32;
      const score = -endpoint.effectiveWeight(nowMs) / Math.log(unit);
      if (score > bestScore) {
        best = endpoint;
        bestScore = score;
      }
      if (score > bestWithRoomScore && !endpoint.isSaturated) {
        bestWithRoom = endpoint;
        bestWithRoomScore = score;
      }
    }
    // Bounded loads (Envoy's hash_balance_factor): a key whose endpoint has every connection busy walks on
    // down its own ranking rather than wait; when all are full it waits at its own endpoint's gate.
    return bestWithRoom ?? best;
  }

  #idHashesOf(ready: readonly Endpoint[]): Uint32Array {
    if (ready !== this.#hashedList || this.#idHashes.length !== ready.length) {
      this.#idHashes = Uint32Array.from(ready, (endpoint) => hashText(endpoint.id));
      this.#hashedList = ready;
    }
    return this.#idHashes;
  }
}

export const consistentHash: BalancerFactory<'consistent-hash'> = {
  kind: 'consistent-hash',
  create: (deps) => new ConsistentHash(deps),
};
