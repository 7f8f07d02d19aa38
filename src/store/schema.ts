import type { Generated } from 'kysely';

/**
 * Table shapes shared by every dialect: the same queries run on SQLite and PostgreSQL. Times are epoch
 * milliseconds in 64-bit integer columns; booleans are 0/1 integers so both engines read them alike.
 */
export interface Schema {
  monitor_results: MonitorResultsTable;
  monitor_states: MonitorStatesTable;
  runtime_intervals: RuntimeIntervalsTable;
}

export interface MonitorResultsTable {
  monitor_id: string;
  probe: Generated<string>;
  at_ms: number;
  state: string;
  ok: number;
  response_time_ms: number;
  status: number | null;
  message: string | null;
}

export interface MonitorStatesTable {
  monitor_id: string;
  state: string;
  since_ms: number;
  updated_ms: number;
  consecutive_failures: number;
  consecutive_successes: number;
  paused: number;
}

export interface RuntimeIntervalsTable {
  id: Generated<number>;
  started_ms: number;
  last_alive_ms: number;
}
