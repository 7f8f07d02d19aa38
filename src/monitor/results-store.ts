import type { MonitorState } from './monitor-state.ts';
import type { MonitorResult } from './monitoring.ts';
import type { AliveInterval } from './uptime.ts';

/** One check outcome as stored; `probe` names where it ran ('local' for this process). */
export interface StoredResult {
  readonly monitorId: string;
  readonly probe: string;
  readonly atMs: number;
  readonly state: string;
  readonly ok: boolean;
  readonly responseTimeMs: number;
  readonly status?: number | undefined;
  readonly message?: string | undefined;
  /** https and tls checks: kept so a paused monitor's cert-expiry alert outlives a restart. */
  readonly certDaysLeft?: number | undefined;
}

/** What uptime and latency need of a stored result; the rest of its row is not read. */
export type ResultSample = Pick<StoredResult, 'monitorId' | 'atMs' | 'state' | 'ok' | 'responseTimeMs'>;

/** A judged cycle as it is stored: a degraded one counts as ok. */
export function storedResultOf(result: MonitorResult): StoredResult {
  return {
    monitorId: result.monitorId,
    probe: result.probe,
    atMs: result.atMs,
    state: result.state,
    ok: result.verdict !== 'down',
    responseTimeMs: result.responseTimeMs,
    status: result.status,
    message: result.message,
    certDaysLeft: result.certDaysLeft,
  };
}

/** A stored result read back as a judged cycle. */
export function monitorResultOf(stored: StoredResult): MonitorResult {
  return {
    monitorId: stored.monitorId,
    probe: stored.probe,
    atMs: stored.atMs,
    verdict: !stored.ok ? 'down' : stored.state === 'degraded' ? 'degraded' : 'up',
    state: stored.state as MonitorState,
    responseTimeMs: stored.responseTimeMs,
    status: stored.status,
    certDaysLeft: stored.certDaysLeft,
    message: stored.message ?? '',
  };
}

/**
 * A monitor's state machine, saved so a restart resumes counting instead of starting over. A paused row holds
 * the state the monitor had before its pause and its since, and `updatedMs` is when it was paused (the last
 * change); earlier versions saved state `paused` there, and kept nothing of before. `flapping` is the flap
 * detector's flag (its history is in the results); undefined in rows saved before it was kept.
 */
export interface MonitorStateRow {
  readonly monitorId: string;
  readonly state: string;
  readonly sinceMs: number;
  readonly updatedMs: number;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly paused: boolean;
  readonly flapping?: boolean | undefined;
}

/** When a heartbeat monitor was last called (epoch ms): its deadline runs from there, across restarts. */
export interface HeartbeatCallRow {
  readonly monitorId: string;
  readonly lastCallMs: number;
}

/** When Bulwark ran: uptime counts only inside these intervals. */
export type RuntimeInterval = AliveInterval;

/**
 * Durable history of monitor results and states. Times are epoch milliseconds. Monitoring owns the
 * contract (results-store.contract.ts); src/store implements it.
 */
export interface ResultsStore {
  /** Durable when the promise resolves (a SIGKILL after that loses nothing). All or none are stored. */
  append(results: readonly StoredResult[]): Promise<void>;
  /** Inserts or replaces each monitor's row. */
  saveStates(states: readonly MonitorStateRow[]): Promise<void>;
  loadStates(): Promise<MonitorStateRow[]>;
  /** Inserts or replaces the monitor's row: one write per call, never one per lateness check. */
  saveHeartbeatCall(call: HeartbeatCallRow): Promise<void>;
  loadHeartbeatCalls(): Promise<HeartbeatCallRow[]>;
  /** Results with fromMs <= atMs < toMs, oldest first; `limit` keeps the oldest `limit` of them. */
  results(monitorId: string, fromMs: number, toMs: number, limit?: number): Promise<StoredResult[]>;
  /** As `results` without a limit, for several monitors in one read and reduced to samples; each oldest first. */
  samplesOf(monitorIds: readonly string[], fromMs: number, toMs: number): Promise<ResultSample[]>;
  /** The newest result of the monitor with atMs < beforeMs, if one is kept. */
  lastResult(monitorId: string, beforeMs: number): Promise<StoredResult | undefined>;
  /** The newest `count` results of the monitor with atMs < beforeMs, reduced to samples, oldest first. */
  lastSamples(monitorId: string, beforeMs: number, count: number): Promise<ResultSample[]>;
  /** Deletes results with atMs < atMs; returns how many. */
  pruneResultsBefore(atMs: number): Promise<number>;
  /** Runtime intervals: start one at boot, touch it periodically, read them to tell "no data" from "up". */
  startRuntime(nowMs: number): Promise<number>;
  touchRuntime(id: number, nowMs: number): Promise<void>;
  /** Intervals overlapping [fromMs, toMs), oldest first. */
  runtimes(fromMs: number, toMs: number): Promise<RuntimeInterval[]>;
  close(): Promise<void>;
}
