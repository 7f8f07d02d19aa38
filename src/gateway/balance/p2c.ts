import type { Endpoint } from '../endpoint.ts';

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
  return loadOf(second) < loadOf(first) ? second : first;
}
