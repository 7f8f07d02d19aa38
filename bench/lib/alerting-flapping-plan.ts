import { parseDurationMs } from '../../src/core/units.ts';
import type { AlertingSettings } from './alerting-bulwark.ts';
import type { DeliveredNotification } from './webhook-inbox.ts';

/**
 * The flapping scenario's plan, shared by both sides: which services churn, and the exact down/up phases
 * each goes through, drawn once so Bulwark's monitor and Alertmanager's alert see the same churn.
 */

export interface ChurnPattern {
  readonly downMs: number;
  readonly upMs: number;
  /** Each phase lasts its nominal length × a uniform draw from [1 − jitter, 1 + jitter]. */
  readonly jitter: number;
}

export interface FlappingTarget {
  /** Monitor id, alert's `monitor` and `component` label: each target is alone in its group. */
  readonly id: string;
  readonly pattern: ChurnPattern;
  /** Down, up, down, up, … phase lengths; the last is up, and up it stays. */
  readonly phasesMs: readonly number[];
}

export interface FlappingScenario {
  /** The run's settings with the flap's group_wait (Bulwark's default, 10 s). */
  readonly settings: AlertingSettings;
  readonly targets: readonly FlappingTarget[];
}

/** One target's churn placed in time: each phase's start (epoch ms), then up for good from `endMs`. */
export interface ChurnSchedule {
  readonly target: FlappingTarget;
  readonly flipsMs: readonly number[];
  readonly startMs: number;
  readonly endMs: number;
}

/** One monitor (Bulwark) or one alert (Alertmanager), alone in its group, over its churn and after. */
export interface FlappingGroup {
  readonly pattern: ChurnPattern;
  readonly component: string;
  /** Times the alert's condition crossed failure_threshold: the outages its checks saw. */
  readonly outages: number;
  readonly churnMs: number;
  /** Received from the churn's start until its last phase ended. */
  readonly duringChurn: readonly DeliveredNotification[];
  /** Of those, how many arrived in the churn's second half (the sustained rate, detection behind it). */
  readonly steadyCount: number;
  /** Received after the churn, while the bench listened. */
  readonly afterChurn: readonly DeliveredNotification[];
  /** Bulwark only: when its monitor was first reported flapping (from the churn's start), and when it
   * stopped (from the churn's end); undefined when never, NaN when it still flapped at the end. */
  readonly flappingFromMs?: number | undefined;
  readonly flappingUntilMs?: number | undefined;
}

export interface FlappingResult {
  readonly settings: AlertingSettings;
  /** Bulwark's monitors have it; Alertmanager has none (Prometheus fires and resolves each time). */
  readonly hasFlapDetection: boolean;
  readonly listenAfterMs: number;
  readonly groups: readonly FlappingGroup[];
}

// Flap detection looks at the last 21 results (src/monitor/flapping.ts): after that many calm checks the
// verdict has cleared; then a group_interval for Alertmanager's last tick, and room for a late send.
const flapWindowChecks = 21;
export const listenAfterMs = (s: AlertingSettings): number =>
  flapWindowChecks * s.intervalMs + s.groupIntervalMs + 10_000;

/** "2s/2s" → { downMs, upMs, jitter }. */
export function parseChurnPattern(text: string, jitter: number): ChurnPattern {
  const [down, up, extra] = text.split('/').map((part) => parseDurationMs(part.trim()));
  if (!down || !up || extra !== undefined || down <= 0 || up <= 0)
    throw new Error(`expected DOWN/UP durations such as 2s/2s, got "${text}"`);
  return { downMs: down, upMs: up, jitter };
}

export const patternName = (p: ChurnPattern): string =>
  `${p.downMs / 1000} s down / ${p.upMs / 1000} s up` +
  (p.jitter > 0 ? ` (±${(p.jitter * 100).toFixed(0)}%)` : '');

/** Monitors of every pattern, each with its own phases, as many down/up pairs as fill `churnMs`. */
export function planFlapping(options: {
  readonly patterns: readonly ChurnPattern[];
  readonly monitorsPerPattern: number;
  readonly churnMs: number;
}): FlappingTarget[] {
  const draw = (nominalMs: number, jitter: number): number =>
    Math.round(nominalMs * (1 - jitter + 2 * jitter * Math.random()));
  return options.patterns.flatMap((pattern, p) =>
    Array.from({ length: options.monitorsPerPattern }, (_, i) => {
      const phasesMs: number[] = [];
      for (let totalMs = 0; totalMs < options.churnMs;) {
        const downMs = draw(pattern.downMs, pattern.jitter);
        const upMs = draw(pattern.upMs, pattern.jitter);
        phasesMs.push(downMs, upMs);
        totalMs += downMs + upMs;
      }
      return { id: `flapping${p + 1}-${i + 1}`, pattern, phasesMs };
    }),
  );
}

export function scheduleOf(target: FlappingTarget, startMs: number): ChurnSchedule {
  const flipsMs: number[] = [];
  let atMs = startMs;
  for (const phaseMs of target.phasesMs) {
    flipsMs.push(atMs);
    atMs += phaseMs;
  }
  return { target, flipsMs, startMs, endMs: atMs };
}

/** Whether the service is down at `atMs`: even-numbered phases are down. */
export function isDownAt(s: ChurnSchedule, atMs: number): boolean {
  if (atMs < s.startMs || atMs >= s.endMs) return false;
  const phase = s.flipsMs.findLastIndex((flipMs) => flipMs <= atMs);
  return phase % 2 === 0;
}

/** Splits a group's notifications at the churn's end; the steady part is the churn's second half. */
export function groupOf(
  schedule: ChurnSchedule,
  heard: readonly DeliveredNotification[],
  outages: number,
): Omit<FlappingGroup, 'flappingFromMs' | 'flappingUntilMs'> {
  const component = schedule.target.id;
  const mine = heard.filter((n) => n.component === component && n.receivedAtMs >= schedule.startMs);
  const duringChurn = mine.filter((n) => n.receivedAtMs < schedule.endMs);
  const steadyFromMs = (schedule.startMs + schedule.endMs) / 2;
  return {
    pattern: schedule.target.pattern,
    component,
    outages,
    churnMs: schedule.endMs - schedule.startMs,
    duringChurn,
    steadyCount: duringChurn.filter((n) => n.receivedAtMs >= steadyFromMs).length,
    afterChurn: mine.filter((n) => n.receivedAtMs >= schedule.endMs),
  };
}

/**
 * The failure_threshold/success_threshold hysteresis over a sequence of results, from up: how many times
 * it went down. Bulwark's side replays the upstream's log with it; Alertmanager's side evaluates with it.
 */
export class Hysteresis {
  readonly #settings: AlertingSettings;
  #run = 0;
  #wasFailing = false;
  isDown = false;
  crossings = 0;

  constructor(settings: AlertingSettings) {
    this.#settings = settings;
  }

  /** Feeds one result; returns the change it caused, if any. */
  record(isFailing: boolean): 'down' | 'up' | undefined {
    this.#run = isFailing === this.#wasFailing ? this.#run + 1 : 1;
    this.#wasFailing = isFailing;
    if (!this.isDown && isFailing && this.#run >= this.#settings.failureThreshold) {
      this.isDown = true;
      this.crossings++;
      return 'down';
    }
    if (this.isDown && !isFailing && this.#run >= this.#settings.successThreshold) {
      this.isDown = false;
      return 'up';
    }
    return undefined;
  }
}
