import type { MonitorState } from '../monitor/monitor-state.ts';
import type { MonitorResult, RestoredMonitor } from '../monitor/monitoring.ts';
import { monitorResultOf, type MonitorStateRow, type ResultsStore } from '../monitor/results-store.ts';

const statesWithSignal: readonly MonitorState[] = ['up', 'degraded', 'down'];

type Store = Pick<ResultsStore, 'loadStates' | 'lastResult'>;

/**
 * Each monitor's stored state, for a start on an existing data_dir: what it says, so the status page and its
 * alerts say after a restart what they said before it. A failing monitor comes back with its last result (the
 * words of its failure, which its alerts carry), a paused one with its last before its pause. One that was in
 * maintenance comes back with what its checks said, and the status page's windows put it in maintenance again.
 */
export async function restoredMonitors(store: Store): Promise<Map<string, RestoredMonitor>> {
  const restored = new Map<string, RestoredMonitor>();
  for (const row of await store.loadStates()) restored.set(row.monitorId, await restoredOf(store, row));
  return restored;
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
