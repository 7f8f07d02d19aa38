import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../observability/index.ts';
import { refuseWrite } from './auth.ts';
import { isAdmitted } from './guarded.ts';
import { sendError, sendJson, type AdminRoute } from './respond.ts';

/** One monitor as the control plane reports it; times are epoch ms. */
export interface MonitorReportView {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly state: string;
  readonly sinceMs: number;
  readonly isFlapping: boolean;
  readonly lastResult:
    | {
        readonly atMs: number;
        readonly verdict: string;
        readonly responseTimeMs: number;
        readonly status?: number | undefined;
        readonly certDaysLeft?: number | undefined;
        readonly message: string;
      }
    | undefined;
  readonly uptime: Readonly<Record<string, number | null>>;
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  };
  readonly pushPath: string | undefined;
}

/** What the monitor routes need; the runtime's MonitoringHost provides it. */
export interface MonitorsApi {
  reports(): Promise<readonly MonitorReportView[]>;
  report(id: string): Promise<MonitorReportView | undefined>;
  history(
    id: string,
    fromMs: number,
    toMs: number,
  ): Promise<{
    readonly results: readonly {
      readonly atMs: number;
      readonly state: string;
      readonly ok: boolean;
      readonly responseTimeMs: number;
      readonly status?: number | undefined;
      readonly message?: string | undefined;
    }[];
    readonly noData: readonly { readonly fromMs: number; readonly toMs: number }[];
  }>;
  pause(id: string): boolean;
  resume(id: string): boolean;
  monitorForToken(token: string): string | undefined;
  heartbeat(id: string, report: { readonly isDown: boolean; readonly message?: string | undefined }): boolean;
  /** Live traffic minutes of a pool or route (the route's name, or its position in the config). */
  traffic(
    scope: 'pool' | 'route',
    name: string,
    fromMs: number,
    toMs: number,
  ): Promise<
    readonly {
      readonly startMs: number;
      readonly requests: number;
      readonly errors: number;
      readonly p50Ms: number | null;
      readonly p95Ms: number | null;
      readonly p99Ms: number | null;
    }[]
  >;
  /** The live config's pools, or its routes' ids (a name, else `0`, `1`, …): what traffic is kept under. */
  trafficNames(scope: 'pool' | 'route'): readonly string[];
}

export interface MonitorRoutesOptions {
  readonly monitors: MonitorsApi;
  readonly adminTokens: () => readonly string[];
  /** The admin listener's own URL, to turn heartbeat paths into URLs a sender can call. */
  readonly baseUrl: () => string;
  readonly log: Logger;
}

const dayMs = 86_400_000;

/**
 * /api/v1/monitors (reads open like the rest of the admin reads; a heartbeat's push URL is a secret and is
 * shown only to a request with an admin token), pause/resume (token), and /api/v1/heartbeat/{token}.
 */
export function monitorRoutes(options: MonitorRoutesOptions): AdminRoute[] {
  const { monitors } = options;
  const isAdmin = (request: IncomingMessage): boolean =>
    refuseWrite(request.headers.authorization, options.adminTokens()) === undefined;
  const present = (report: MonitorReportView, request: IncomingMessage) =>
    toJson(report, isAdmin(request) ? options.baseUrl() : undefined);
  const control =
    (verb: 'pause' | 'resume'): AdminRoute['handle'] =>
    (request, response, params) => {
      if (!isAdmitted(request, response, options.adminTokens())) return;
      const id = params.id ?? '';
      if (!monitors[verb](id))
        return sendError(response, 404, 'ADMIN_NOT_FOUND', `no monitor with id "${id}"`);
      options.log.info(
        { event: 'monitor-control', action: verb, monitor: id },
        `monitor ${verb}d by the admin API`,
      );
      return monitors
        .report(id)
        .then((report) => sendJson(response, 200, report && present(report, request)));
    };
  const heartbeat: AdminRoute['handle'] = (request, response, params) => {
    const id = monitors.monitorForToken(params.token ?? '');
    if (id === undefined)
      return sendError(response, 404, 'ADMIN_NOT_FOUND', 'no heartbeat monitor has this URL');
    const query = new URL(request.url ?? '/', 'http://admin').searchParams;
    const status = query.get('status') ?? 'up';
    if (status !== 'up' && status !== 'down')
      return sendJson(response, 400, badInput('status', `status must be up or down, found "${status}"`));
    const message = query.get('msg')?.slice(0, 500) || undefined;
    monitors.heartbeat(id, { isDown: status === 'down', message });
    sendJson(response, 200, { ok: true, monitor: id, status });
  };
  return [
    {
      method: 'GET',
      path: '/api/v1/monitors',
      handle: async (request, response) => {
        const reports = await monitors.reports();
        sendJson(response, 200, { monitors: reports.map((report) => present(report, request)) });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/monitors/{id}',
      handle: async (request, response, params) => {
        const report = await monitors.report(params.id ?? '');
        if (!report) return sendError(response, 404, 'ADMIN_NOT_FOUND', `no monitor with id "${params.id}"`);
        sendJson(response, 200, present(report, request));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/monitors/{id}/results',
      handle: (request, response, params) => sendHistory(monitors, request, response, params.id ?? ''),
    },
    { method: 'POST', path: '/api/v1/monitors/{id}/pause', handle: control('pause') },
    { method: 'POST', path: '/api/v1/monitors/{id}/resume', handle: control('resume') },
    {
      method: 'GET',
      path: '/api/v1/traffic/{scope}/{name}',
      handle: (request, response, params) => sendTraffic(monitors, request, response, params),
    },
    { method: 'GET', path: '/api/v1/heartbeat/{token}', handle: heartbeat },
    { method: 'POST', path: '/api/v1/heartbeat/{token}', handle: heartbeat },
  ];
}

async function sendHistory(
  monitors: MonitorsApi,
  request: IncomingMessage,
  response: ServerResponse,
  id: string,
): Promise<void> {
  if (!(await monitors.report(id)))
    return sendError(response, 404, 'ADMIN_NOT_FOUND', `no monitor with id "${id}"`);
  const query = new URL(request.url ?? '/', 'http://admin').searchParams;
  const nowMs = Date.now();
  const toMs = timeParam(query.get('to'), nowMs);
  const fromMs = timeParam(query.get('from'), nowMs - dayMs);
  if (typeof toMs === 'string') return sendJson(response, 400, badInput('to', toMs));
  if (typeof fromMs === 'string') return sendJson(response, 400, badInput('from', fromMs));
  if (fromMs >= toMs) return sendJson(response, 400, badInput('from', 'from must be before to'));
  const { results, noData } = await monitors.history(id, fromMs, toMs);
  sendJson(response, 200, {
    monitor: id,
    from: iso(fromMs),
    to: iso(toMs),
    results: results.map((r) => ({
      at: iso(r.atMs),
      state: r.state,
      ok: r.ok,
      response_time_ms: roundMs(r.responseTimeMs),
      status: r.status ?? null,
      message: r.message ?? null,
    })),
    no_data: noData.map((gap) => ({ from: iso(gap.fromMs), to: iso(gap.toMs) })),
  });
}

/** GET /api/v1/traffic/{pool|route}/{name}?from=&to=: one row per minute with traffic. */
async function sendTraffic(
  monitors: MonitorsApi,
  request: IncomingMessage,
  response: ServerResponse,
  params: Readonly<Record<string, string>>,
): Promise<void> {
  const scope = params.scope;
  if (scope !== 'pool' && scope !== 'route')
    return sendJson(response, 400, badInput('scope', `scope must be pool or route, found "${scope}"`));
  const query = new URL(request.url ?? '/', 'http://admin').searchParams;
  const nowMs = Date.now();
  const toMs = timeParam(query.get('to'), nowMs);
  const fromMs = timeParam(query.get('from'), nowMs - 3_600_000);
  if (typeof toMs === 'string') return sendJson(response, 400, badInput('to', toMs));
  if (typeof fromMs === 'string') return sendJson(response, 400, badInput('from', fromMs));
  const name = params.name ?? '';
  const rows = await monitors.traffic(scope, name, fromMs, toMs);
  const names = monitors.trafficNames(scope);
  // A pool or route a reload removed keeps its recorded minutes until retention; a name never known has none.
  if (rows.length === 0 && !names.includes(name)) {
    const list = names.join(', ') || 'none';
    const known =
      scope === 'pool'
        ? `the pools are ${list}`
        : `the routes are ${list} (a route without a name goes by its position in the config)`;
    return sendError(response, 404, 'ADMIN_NOT_FOUND', `no ${scope} "${name}"; ${known}`);
  }
  sendJson(response, 200, {
    scope,
    name,
    minutes: rows.map((row) => ({
      start: iso(row.startMs),
      requests: row.requests,
      errors: row.errors,
      p50_ms: roundMs(row.p50Ms),
      p95_ms: roundMs(row.p95Ms),
      p99_ms: roundMs(row.p99Ms),
    })),
  });
}

/** An ISO 8601 time, or the default when absent; a message when it does not parse. */
function timeParam(text: string | null, fallbackMs: number): number | string {
  if (text === null || text === '') return fallbackMs;
  const ms = Date.parse(text);
  return Number.isNaN(ms)
    ? `expected an ISO 8601 time such as 2026-11-21T08:00:00Z, found "${text.slice(0, 40)}"`
    : ms;
}

function toJson(report: MonitorReportView, baseUrl: string | undefined) {
  const last = report.lastResult;
  return {
    id: report.id,
    name: report.name,
    type: report.kind,
    state: report.state,
    since: iso(report.sinceMs),
    flapping: report.isFlapping,
    last_result: last && {
      at: iso(last.atMs),
      verdict: last.verdict,
      response_time_ms: roundMs(last.responseTimeMs),
      status: last.status ?? null,
      cert_days_left: last.certDaysLeft ?? null,
      message: last.message,
    },
    uptime: report.uptime,
    latency_ms: {
      p50: roundMs(report.latencyMs.p50),
      p95: roundMs(report.latencyMs.p95),
      p99: roundMs(report.latencyMs.p99),
    },
    ...(report.pushPath === undefined
      ? {}
      : // null without a token, so a script testing the field never takes a placeholder for a URL.
        { push_url: baseUrl === undefined ? null : `${baseUrl}${report.pushPath}` }),
  };
}

function badInput(field: string, message: string) {
  return { error: { code: 'ADMIN_BAD_REQUEST', message, field } };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** To 0.01 ms: timers and interpolated percentiles carry float noise (809.9999999999999) and no more precision. */
function roundMs(ms: number): number;
function roundMs(ms: number | null): number | null;
function roundMs(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 100) / 100;
}
