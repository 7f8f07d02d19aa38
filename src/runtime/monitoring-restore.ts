import { FlapDetector, flapMemory } from '../monitor/flapping.ts';
import type { MonitorState } from '../monitor/monitor-state.ts';
import type { MonitorResult, RestoredMonitor } from '../monitor/monitoring.ts';
import {
  monitorResultOf,
  type MonitorStateRow,
  type ResultSample,
  type ResultsStore,
} from '../monitor/results-store.ts';

const statesWithSignal: readonly MonitorState[] = ['up', 'degraded', 'down'];

type Store = Pick<ResultsStore, 'loadStates' | 'lastResult' | 'lastSamples' | 'samplesOf'>;

/**
 * Each monitor's stored state, for a start on an existing data_dir: what it says, so the status page and its
 * alerts say after a restart what they said before it. A failing monitor comes back with its last result (the
 * words of its failure, which its alerts carry), a paused one with its last before its pause (with its
 * certificate's days left). One that was in maintenance comes back with what its checks said. Those in
 * `inMaintenance` (under a window the status page left open) come back in maintenance from now, so results stored
 * before the page has started count no time. Each comes back flapping or not as it was, its detector replayed.
 */
export async function restoredMonitors(
  store: Store,
  nowMs: number,
  inMaintenance: ReadonlySet<string> = new Set(),
): Promise<Map<string, RestoredMonitor>> {
  const restored = new Map<string, RestoredMonitor>();
  for (const row of await store.loadStates()) {
    const flapDetector = FlapDetector.replayed(await flapHistory(store, row.monitorId, nowMs), row.flapping);
    restored.set(row.monitorId, { ...(await restoredOf(store, row)), flapDetector });
  }
  for (const id of inMaintenance) {
    const seed = restored.get(id) ?? { state: 'unknown', sinceMs: nowMs };
    restored.set(id, { ...seed, maintenanceSinceMs: nowMs });
  }
  return restored;
}

/**
 * What the flap detector needs replayed (flapMemory): the last results, and every one of the recent window with
 * the one before it. One read for a monitor checked less often than the window holds results; more otherwise.
 */
async function flapHistory(store: Store, monitorId: string, nowMs: number): Promise<ResultSample[]> {
  const { resultCount, windowMs } = flapMemory;
  const last = await store.lastSamples(monitorId, nowMs, resultCount + 1);
  const windowStartMs = nowMs - windowMs;
  if (last.length <= resultCount || (last[0]?.atMs ?? 0) < windowStartMs) return last;
  const before = await store.lastSamples(monitorId, windowStartMs, 1);
  return [...before, ...(await store.samplesOf([monitorId], windowStartMs, nowMs))];
}

async function restoredOf(store: Store, row: MonitorStateRow): Promise<RestoredMonitor> {
  const state = row.state as MonitorState;
  if (row.paused) return restoredPaused(store, row);
  // Saved in maintenance by a version that kept no state under it: its last result before the window says.
  if (state === 'maintenance') {
    const said = saidBy(await lastResultBefore(store, row.monitorId, row.sinceMs + 1));
    return said ?? { state: 'unknown', sinceMs: row.sinceMs };
  }
  const isFailing = state === 'down' || state === 'degraded';
  const lastResult = isFailing ? await lastResultBefore(store, row.monitorId) : undefined;
  return { state, sinceMs: row.sinceMs, lastResult };
}

async function restoredPaused(store: Store, row: MonitorStateRow): Promise<RestoredMonitor> {
  const isLegacy = row.state === 'paused';
  const pausedSinceMs = isLegacy ? row.sinceMs : row.updatedMs;
  const lastResult = await lastResultBefore(store, row.monitorId, pausedSinceMs + 1);
  if (!isLegacy) return { state: row.state as MonitorState, sinceMs: row.sinceMs, pausedSinceMs, lastResult };
  // Saved by a version that kept no state under a pause: the last result before it says what the monitor said
  // (since when is not kept; an alert re-created from it keeps the start receivers were told).
  const said = saidBy(lastResult);
  return said ? { ...said, pausedSinceMs } : { state: 'paused', sinceMs: pausedSinceMs };
}

async function lastResultBefore(
  store: Store,
  monitorId: string,
  beforeMs = Number.MAX_SAFE_INTEGER,
): Promise<MonitorResult | undefined> {
  const stored = await store.lastResult(monitorId, beforeMs);
  return stored && monitorResultOf(stored);
}

function saidBy(lastResult: MonitorResult | undefined): RestoredMonitor | undefined {
  if (!lastResult || !statesWithSignal.includes(lastResult.state)) return undefined;
  return { state: lastResult.state, sinceMs: lastResult.atMs, lastResult };
}
