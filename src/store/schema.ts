import type { Generated } from 'kysely';

/**
 * Table shapes shared by every dialect: the same queries run on SQLite and PostgreSQL. Times are epoch
 * milliseconds in 64-bit integer columns; booleans are 0/1 integers so both engines read them alike.
 */
export interface Schema {
  monitor_results: MonitorResultsTable;
  monitor_states: MonitorStatesTable;
  runtime_intervals: RuntimeIntervalsTable;
  heartbeat_calls: HeartbeatCallsTable;
  monitor_rollups: MonitorRollupsTable;
  traffic_minutes: TrafficMinutesTable;
  alert_outbox: AlertOutboxTable;
  alert_notification_log: AlertNotificationLogTable;
  alert_silences: AlertSilencesTable;
  alert_acks: AlertAcksTable;
  status_documents: StatusDocumentsTable;
}

export interface StatusDocumentsTable {
  /** incident | maintenance | component | subscriber */
  kind: string;
  id: string;
  created_ms: number;
  /** The document as JSON. */
  body: string;
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
  cert_days_left: number | null;
}

export interface MonitorStatesTable {
  monitor_id: string;
  state: string;
  since_ms: number;
  updated_ms: number;
  consecutive_failures: number;
  consecutive_successes: number;
  paused: number;
  /** 0/1; null in rows saved before schema 0008-restart-memory. */
  flapping: number | null;
}

export interface HeartbeatCallsTable {
  monitor_id: string;
  last_call_ms: number;
}

export interface RuntimeIntervalsTable {
  id: Generated<number>;
  started_ms: number;
  last_alive_ms: number;
}

export interface MonitorRollupsTable {
  monitor_id: string;
  resolution: string;
  start_ms: number;
  count: number;
  failures: number;
  up_ms: number;
  degraded_ms: number;
  down_ms: number;
  other_ms: number;
  no_data_ms: number;
  sketch: Uint8Array;
}

export interface TrafficMinutesTable {
  scope: string;
  name: string;
  start_ms: number;
  requests: number;
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

/** Notifications owed to receivers; `payload` is the Notification as JSON, handed unchanged to every retry. */
export interface AlertOutboxTable {
  id: string;
  seq: number;
  notifier: string;
  group_key: string;
  payload: string;
  state: string;
  attempts: number;
  created_ms: number;
  next_attempt_ms: number;
  last_error: string | null;
  finished_ms: number | null;
}

/**
 * `firing`, `resolved` and `muted` are JSON arrays of alert episodes (`fingerprint@startsAtMs`);
 * `firing_alerts` a JSON array of the firing alerts (labels, annotations, start).
 */
export interface AlertNotificationLogTable {
  receiver: string;
  group_key: string;
  firing: string;
  resolved: string;
  firing_alerts: Generated<string>;
  muted: Generated<string>;
  at_ms: number;
}

/** `matchers` is a JSON array of LabelMatcher. */
export interface AlertSilencesTable {
  id: string;
  matchers: string;
  starts_ms: number;
  ends_ms: number;
  created_by: string;
  comment: string;
  updated_ms: number;
}

/** `labels` is a JSON object. */
export interface AlertAcksTable {
  fingerprint: string;
  episode_start_ms: number;
  acked_by: string;
  at_ms: number;
  labels: string;
}
