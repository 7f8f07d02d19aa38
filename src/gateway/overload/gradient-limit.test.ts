import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import type { AdaptiveConcurrencySpec } from '../spec.ts';
import { GradientLimit } from './gradient-limit.ts';

// Envoy's defaults, with Bulwark's initial limit of 20 (Envoy starts at min_concurrency).
const spec: AdaptiveConcurrencySpec = {
  kind: 'adaptive',
  initialLimit: 20,
  minLimit: 3,
  maxLimit: 1000,
  buffer: 0.25,
  sampleIntervalMs: 100,
  minRttIntervalMs: 10_000,
  minRttSamples: 50,
};

/** Feeds one sample every `everyMs` in [fromMs, toMs), each admitted `latencyMs` before it completes. */
function feed(limit: GradientLimit, latencyMs: number, fromMs: number, toMs: number, everyMs = 10): void {
  for (let nowMs = fromMs; nowMs < toMs; nowMs += everyMs) limit.addSample(latencyMs, nowMs);
}

/** A limiter whose first min-RTT measurement (10 ms) completed at 100 ms; its first window starts there. */
function measured(overrides: Partial<AdaptiveConcurrencySpec> = {}, random = () => 0.5): GradientLimit {
  const limit = new GradientLimit({ ...spec, ...overrides }, { random, nowMs: 0 });
  for (let i = 0; i < spec.minRttSamples; i++) limit.addSample(10, 100);
  return limit;
}

describe('GradientLimit (Envoy adaptive-concurrency gradient controller)', () => {
  it('pins the limit to minLimit until minRttSamples latencies are in, then restores initialLimit', () => {
    const limit = new GradientLimit(spec, { random: () => 0.5, nowMs: 0 });
    expect(limit).toMatchObject({ limit: 3, isMeasuringMinRtt: true, minRttMs: undefined });
    for (let i = 0; i < 49; i++) limit.addSample(10 + (i % 5), 100 + i);
    expect(limit).toMatchObject({ limit: 3, isMeasuringMinRtt: true, minRttMs: undefined, samples: 49 });
    limit.addSample(30, 150);
    expect(limit).toMatchObject({ limit: 20, isMeasuringMinRtt: false, minRttMs: 12, samples: 50 });
  });

  it('does not grow a limit the load leaves half unused (app-limited), but still shrinks it', () => {
    const limit = measured();
    // 9 in flight of 20: fast answers would double the limit every window without this rule.
    for (let nowMs = 1_100; nowMs <= 2_000; nowMs += 10) limit.addSample(5, nowMs, 9);
    expect(limit.limit).toBe(20);
    for (let nowMs = 2_000; nowMs <= 2_100; nowMs += 10) limit.addSample(5, nowMs, 10);
    expect(limit.limit).toBeGreaterThan(20);
    const grown = limit.limit;
    for (let nowMs = 2_100; nowMs <= 2_200; nowMs += 10) limit.addSample(100, nowMs, 2);
    expect(limit.limit).toBeLessThan(grown);
  });

  it('leaves out latencies of requests admitted before the measurement began (their queue is stale)', () => {
    const limit = new GradientLimit(spec, { random: () => 0.5, nowMs: 1_000 });
    limit.addSample(500, 1_200);
    feed(limit, 10, 1_200, 1_200 + 49 * 10);
    expect(limit.isMeasuringMinRtt).toBe(true);
    limit.addSample(10, 1_700);
    expect(limit).toMatchObject({ isMeasuringMinRtt: false, minRttMs: 10, samples: 51 });
  });

  // min RTT 10 ms, buffer 25 %: gradient = 12.5 / sampleRtt in [0.5, 2]; limit 20 → g·20 + √(g·20).
  it.each([
    { sampleRttMs: 1_000, gradient: 0.5, expected: 13 },
    { sampleRttMs: 25, gradient: 0.5, expected: 13 },
    { sampleRttMs: 20, gradient: 0.625, expected: 16 },
    { sampleRttMs: 12.5, gradient: 1, expected: 24 },
    { sampleRttMs: 1, gradient: 2, expected: 46 },
  ])('a window at $sampleRttMs ms (gradient $gradient) moves the limit 20 → $expected', (c) => {
    const limit = measured();
    feed(limit, c.sampleRttMs, 1_100, 1_200);
    expect(limit.limit).toBe(20);
    limit.addSample(c.sampleRttMs, 1_200);
    expect(limit.limit).toBe(c.expected);
  });

  it('takes the window median, so a slow tail does not shrink the limit', () => {
    const limit = measured();
    for (let i = 0; i < 10; i++) limit.addSample(i < 6 ? 12.5 : 5_000, 1_100 + i);
    limit.addSample(12.5, 1_200);
    expect(limit.limit).toBe(24);
  });

  it('never leaves [minLimit, maxLimit], and re-measures min RTT after 5 windows stuck at minLimit', () => {
    const limit = measured({ maxLimit: 100 });
    const slow: number[] = [];
    for (let startMs = 1_000; !limit.isMeasuringMinRtt; startMs += 100) {
      feed(limit, 1_000, startMs, startMs + 100);
      slow.push(limit.limit);
    }
    // 20 → 13 → 9 → 6 → 4 → 3 (2.72 clamped up), then five windows that leave it at 3, the fifth
    // starting the measurement (the first push is the window still open).
    expect(slow).toEqual([20, 13, 9, 6, 4, 3, 3, 3, 3, 3, 3]);

    const fast = measured({ maxLimit: 100 });
    feed(fast, 1, 1_000, 2_000);
    expect(fast.limit).toBe(100);
  });

  it.each([0, 0.5, 0.999])('re-measures min RTT every minRttIntervalMs ± 15 %, random() = %s', (r) => {
    const limit = measured({ maxLimit: 40 }, () => r);
    let startedAtMs: number | undefined;
    for (let nowMs = 110; startedAtMs === undefined && nowMs < 20_000; nowMs += 10) {
      limit.addSample(12.5, nowMs);
      if (limit.isMeasuringMinRtt) startedAtMs = nowMs;
    }
    const dueAtMs = 100 + 10_000 * (1 + 0.15 * (2 * r - 1));
    expect(startedAtMs).toBe(Math.ceil(dueAtMs / 10) * 10);
    expect(limit.limit).toBe(3);
    feed(limit, 12.5, startedAtMs! + 20, startedAtMs! + 20 + 50 * 10);
    expect(limit).toMatchObject({ isMeasuringMinRtt: false, limit: 40, minRttMs: 12.5 });
  });

  it('keeps an unbiased sample of a crowded window rather than its first latencies', () => {
    const limit = measured({}, seededRandom(7));
    for (let i = 0; i < 10_000; i++) limit.addSample(i < 4_096 ? 1 : 1_000, 1_100 + i / 100);
    limit.addSample(1_000, 1_200);
    expect(limit.limit).toBe(13);
  });
});

interface Tick {
  readonly limit: number;
  readonly completed: number;
  readonly latencySumMs: number;
}

/**
 * An upstream with `slots` servers, each request taking serviceMs ± 20 %; requests beyond the slots queue
 * FIFO inside it, so latency rises past the knee. Open-loop arrivals at 4× healthy capacity are admitted
 * while in-flight < limit, else rejected. Time advances in 1 ms ticks; completions are fed to the limiter.
 */
class Simulation {
  readonly upstream: { slots: number; serviceMs: number };
  readonly limit: GradientLimit;
  readonly #ticks: Tick[] = [];
  readonly #random: () => number;
  readonly #arrivalsPerMs: number;
  #nowMs = 0;
  #inService: { admittedAtMs: number; doneAtMs: number }[] = [];
  #queue: number[] = [];
  #inFlight = 0;

  constructor(upstream: { slots: number; serviceMs: number }, seed: number) {
    this.upstream = { ...upstream };
    this.#random = seededRandom(seed);
    this.#arrivalsPerMs = (4 * upstream.slots) / upstream.serviceMs;
    this.limit = new GradientLimit(spec, { random: this.#random, nowMs: 0 });
  }

  get nowMs(): number {
    return this.#nowMs;
  }

  run(durationMs: number): void {
    for (let i = 0; i < durationMs; i++) this.#tick();
  }

  /** Over the ticks in [fromMs, toMs): the median limit, completions per ms, mean latency. */
  stats(fromMs: number, toMs: number): { limit: number; throughputPerMs: number; meanLatencyMs: number } {
    const ticks = this.#ticks.slice(fromMs, toMs);
    const limits = ticks.map((t) => t.limit).sort((a, b) => a - b);
    const completed = ticks.reduce((sum, t) => sum + t.completed, 0);
    const latencySumMs = ticks.reduce((sum, t) => sum + t.latencySumMs, 0);
    return {
      limit: limits[limits.length >> 1]!,
      throughputPerMs: completed / ticks.length,
      meanLatencyMs: latencySumMs / completed,
    };
  }

  #tick(): void {
    this.#nowMs += 1;
    let completed = 0;
    let latencySumMs = 0;
    const running = [];
    for (const request of this.#inService) {
      if (request.doneAtMs > this.#nowMs) running.push(request);
      else {
        const latencyMs = this.#nowMs - request.admittedAtMs;
        completed += 1;
        latencySumMs += latencyMs;
        this.#inFlight -= 1;
        this.limit.addSample(latencyMs, this.#nowMs);
      }
    }
    this.#inService = running;
    const whole = Math.floor(this.#arrivalsPerMs);
    const arrivals = whole + (this.#random() < this.#arrivalsPerMs - whole ? 1 : 0);
    for (let i = 0; i < arrivals && this.#inFlight < this.limit.limit; i++) {
      this.#inFlight += 1;
      this.#queue.push(this.#nowMs);
    }
    this.#startQueued();
    this.#ticks.push({ limit: this.limit.limit, completed, latencySumMs });
  }

  #startQueued(): void {
    while (this.#inService.length < this.upstream.slots && this.#queue.length > 0) {
      const serviceMs = Math.round(this.upstream.serviceMs * (0.8 + 0.4 * this.#random()));
      this.#inService.push({ admittedAtMs: this.#queue.shift()!, doneAtMs: this.#nowMs + serviceMs });
    }
  }
}

/** Runs 1 s at a time until `isDone`; the simulated ms it took, or undefined past `maxMs`. */
function runUntil(sim: Simulation, maxMs: number, isDone: () => boolean): number | undefined {
  const startMs = sim.nowMs;
  while (sim.nowMs - startMs < maxMs) {
    sim.run(1_000);
    if (isDone()) return sim.nowMs - startMs;
  }
  return undefined;
}

describe('GradientLimit against a simulated upstream with a concurrency knee (32 slots × 20 ms)', () => {
  const slots = 32;
  const serviceMs = 20;
  const capacityPerMs = slots / serviceMs;

  // Fixed point: g·L = 1.25 × 32 = 40 (latency grows as L/32), so L = 40 + √40 ≈ 46 = 1.45 × the knee;
  // [0.9, 2] × 32 allows for min RTT measured at 19–21 ms. Latency there is ≈ 1.45 × 20 ms.
  it.each([1, 2, 3])('converges above the knee at full throughput and bounded latency (seed %s)', (seed) => {
    const sim = new Simulation({ slots, serviceMs }, seed);
    sim.run(30_000);
    // The last 10 s include one min-RTT measurement (≈ 0.35 s pinned at 3), the price of the algorithm.
    const last = sim.stats(20_000, 30_000);
    expect(last.limit).toBeGreaterThanOrEqual(0.9 * slots);
    expect(last.limit).toBeLessThanOrEqual(2 * slots);
    expect(last.throughputPerMs).toBeGreaterThanOrEqual(0.9 * capacityPerMs);
    expect(last.meanLatencyMs).toBeLessThanOrEqual(2 * serviceMs);
    expect(sim.limit.minRttMs).toBeGreaterThanOrEqual(0.9 * serviceMs);
    expect(sim.limit.minRttMs).toBeLessThanOrEqual(1.1 * serviceMs);
  });

  it.each([1, 42])(
    'follows the knee down when slots drop to 8, and back up when they return (seed %s)',
    (seed) => {
      const sim = new Simulation({ slots, serviceMs }, seed);
      sim.run(30_000);
      sim.upstream.slots = 8;
      sim.run(20_000);
      // Same fixed point at the new knee: 1.25 × 8 + √10 ≈ 13.
      const degraded = sim.stats(45_000, 50_000);
      expect(degraded.limit).toBeGreaterThanOrEqual(8);
      expect(degraded.limit).toBeLessThanOrEqual(2 * 8 + 1);
      expect(degraded.throughputPerMs).toBeGreaterThanOrEqual((0.9 * 8) / serviceMs);

      sim.upstream.slots = slots;
      const isRecovered = (): boolean => {
        const lastSecond = sim.stats(sim.nowMs - 1_000, sim.nowMs);
        return lastSecond.limit >= 0.9 * slots && lastSecond.throughputPerMs >= 0.9 * capacityPerMs;
      };
      // Min RTT is unchanged (slots, not service time, degraded), so gradient 1.25 regrows it in a few windows.
      expect(runUntil(sim, 15_000, isRecovered)).toBeLessThanOrEqual(3_000);
      sim.run(5_000);
      const after = sim.stats(sim.nowMs - 5_000, sim.nowMs);
      expect(after.limit).toBeLessThanOrEqual(2 * slots);
      expect(after.throughputPerMs).toBeGreaterThanOrEqual(0.9 * capacityPerMs);
    },
  );

  it('re-learns min RTT when service time triples and then returns to normal', () => {
    const sim = new Simulation({ slots, serviceMs }, 1);
    sim.run(30_000);
    sim.upstream.serviceMs = 3 * serviceMs;
    // Latency 3× min RTT halves the limit down to minLimit; 5 windows there start an early re-measurement.
    const relearnedSlowMs = runUntil(sim, 20_000, () => (sim.limit.minRttMs ?? 0) >= 2.4 * serviceMs);
    expect(relearnedSlowMs).toBeLessThanOrEqual(5_000);
    sim.run(20_000 - relearnedSlowMs!);
    const slow = sim.stats(sim.nowMs - 5_000, sim.nowMs);
    expect(slow.limit).toBeGreaterThanOrEqual(0.9 * slots);
    expect(slow.meanLatencyMs).toBeLessThanOrEqual(2 * 3 * serviceMs);

    // Back to 20 ms with min RTT still ≈ 60 ms: the limit overshoots (≈ 4 × the knee, latency ≈ 4 × 20 ms)
    // until the next periodic measurement, at most minRttIntervalMs × 1.15 away.
    sim.upstream.serviceMs = serviceMs;
    const relearnedFastMs = runUntil(sim, 15_000, () => (sim.limit.minRttMs ?? 0) <= 1.1 * serviceMs);
    expect(relearnedFastMs).toBeLessThanOrEqual(spec.minRttIntervalMs * 1.15 + 1_000);
    sim.run(3_000);
    const healthy = sim.stats(sim.nowMs - 2_000, sim.nowMs);
    expect(healthy.limit).toBeLessThanOrEqual(2 * slots);
    expect(healthy.meanLatencyMs).toBeLessThanOrEqual(2 * serviceMs);
    expect(healthy.throughputPerMs).toBeGreaterThanOrEqual(0.9 * capacityPerMs);
  });
});
