import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../core/index.ts';
import { makeEndpoints } from './balancer.contract.ts';
import { decayedCostMs, decayTimeMs, recordLatency } from './ewma.ts';

const ok = (latencyMs: number): Outcome => ({ kind: 'success', status: 200, latencyMs });
const status = (code: number, latencyMs: number): Outcome => ({
  kind: 'failure',
  reason: 'status',
  status: code,
  latencyMs,
});
const fresh = () => makeEndpoints(1)[0]!;

describe('recordLatency (peak-EWMA, Finagle)', () => {
  it('takes the first sample as the cost and stamps it', () => {
    const endpoint = fresh();
    recordLatency(endpoint, ok(40), 5_000);
    expect(endpoint.ewmaCostMs).toBe(40);
    expect(endpoint.ewmaStampMs).toBe(5_000);
  });

  it('jumps to a peak at once', () => {
    const endpoint = fresh();
    recordLatency(endpoint, ok(50), 0);
    recordLatency(endpoint, ok(400), 1);
    expect(endpoint.ewmaCostMs).toBe(400);
  });

  it('moves toward a lower sample with w = exp(−Δt / 10 s)', () => {
    expect(decayTimeMs).toBe(10_000);
    const endpoint = fresh();
    recordLatency(endpoint, ok(100), 0);
    recordLatency(endpoint, ok(20), 5_000);
    const w = Math.exp(-0.5);
    expect(endpoint.ewmaCostMs).toBeCloseTo(100 * w + 20 * (1 - w), 9); // 68.52…
    // Samples close together barely move it: the decay is in time, not in sample count.
    recordLatency(endpoint, ok(20), 5_001);
    expect(endpoint.ewmaCostMs).toBeCloseTo(68.52 - (68.52 - 20) * (1 - Math.exp(-1e-4)), 2);
  });

  it('reads the cost decayed toward 0 since the last sample', () => {
    const endpoint = fresh();
    recordLatency(endpoint, ok(300), 1_000);
    expect(decayedCostMs(endpoint, 1_000)).toBe(300);
    expect(decayedCostMs(endpoint, 11_000)).toBeCloseTo(300 / Math.E, 9);
    expect(decayedCostMs(endpoint, 31_000)).toBeCloseTo(300 * Math.exp(-3), 9);
  });

  it.each([
    ['429', status(429, 2)],
    ['503', status(503, 2)],
    ['a 429 reported as success', { kind: 'success', status: 429, latencyMs: 2 } as const],
    ['a connect failure', { kind: 'failure', reason: 'connect', latencyMs: 1 } as const],
    ['a reset', { kind: 'failure', reason: 'reset', latencyMs: 3 } as const],
    ['a timeout', { kind: 'timeout', phase: 'first_byte', latencyMs: 0 } as const],
  ])('charges %s a penalty of at least 1 s, not its fast latency', (_, outcome: Outcome) => {
    const endpoint = fresh();
    recordLatency(endpoint, ok(30), 0);
    recordLatency(endpoint, outcome, 10);
    expect(endpoint.ewmaCostMs).toBe(1_000);
  });

  it('doubles the penalty on each failure, up to 60 s, and never lowers a higher cost', () => {
    const endpoint = fresh();
    const costs = Array.from({ length: 8 }, () => {
      recordLatency(endpoint, status(429, 1), 0);
      return endpoint.ewmaCostMs;
    });
    expect(costs).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    recordLatency(endpoint, { kind: 'timeout', phase: 'total', latencyMs: 90_000 }, 10);
    expect(endpoint.ewmaCostMs).toBe(90_000);
  });

  it('counts a 404 as an ordinary sample: the client erred, not the endpoint', () => {
    const endpoint = fresh();
    recordLatency(endpoint, status(404, 5), 0);
    expect(endpoint.ewmaCostMs).toBe(5);
  });

  it('ignores local rejections and keeps a 0 ms sample distinct from "no sample"', () => {
    const endpoint = fresh();
    recordLatency(endpoint, { kind: 'rejected', reason: 'shed' }, 10);
    expect([endpoint.ewmaCostMs, endpoint.ewmaStampMs]).toEqual([0, 0]);
    recordLatency(endpoint, ok(0), 10);
    expect(endpoint.ewmaCostMs).toBeGreaterThan(0);
  });
});
