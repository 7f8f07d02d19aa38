import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Clock } from '../../core/clock.ts';
import { closerOf, listenOn } from '../../core/listen.ts';
import {
  describeRefusals,
  guardListener,
  httpSettingsOf,
  limitsOf,
  type ListenerLimits,
  type ListenerSettings,
} from '../../core/listener-guard.ts';
import type { Logger } from '../../observability/index.ts';
import type { EndpointControl } from '../../services/index.ts';
import { alertRoutes, type AlertsApi } from './alert-routes.ts';
import { statusRoutes, type StatusApi } from './status-routes.ts';
import { metricsRoute, type MetricsSource } from './metrics-route.ts';
import { monitorRoutes, type MonitorsApi } from './monitor-routes.ts';
import { poolRoutes } from './pool-routes.ts';
import { probeRoutes } from './probe-routes.ts';
import { sendError, sendJson, type AdminRoute } from './respond.ts';
import { RouteTable } from './route-table.ts';

/** Limits not given (admin.max_connections and max_connections_per_ip) take adminListenerDefaults. */
export interface AdminServerOptions extends ListenerSettings {
  /** Loopback by default in config: the admin surface is not meant for the open network. */
  readonly host: string;
  /** 0 picks a free port; the bound one is in the returned url. */
  readonly port: number;
  readonly metrics: MetricsSource;
  readonly isReady: () => boolean;
  readonly logger: Logger;
  /** Serves /api/v1/pools and the endpoint verbs; without it those routes do not exist. */
  readonly endpointControl?: EndpointControl | undefined;
  /** Bearer tokens for writes (config admin.tokens), read at each write; none configured turns writes off. */
  readonly adminTokens?: (() => readonly string[]) | undefined;
  /** Serves GET /api/v1/config/status: the live config and the last reload's outcome. */
  readonly configStatus?: (() => unknown) | undefined;
  /** Serves /api/v1/monitors and the heartbeat URLs; without it those routes do not exist. */
  readonly monitors?: MonitorsApi | undefined;
  /** Serves /api/v1/alerts, /api/v1/silences and /api/v1/notifications; without it those routes do not exist. */
  readonly alerts?: AlertsApi | undefined;
  readonly status?: StatusApi | undefined;
  /** Host names served besides IP literals, localhost and `host` (admin.allowed_hosts). */
  readonly allowedHosts?: readonly string[] | undefined;
  /** For the refusal report's period; tests pass a fake. */
  readonly clock?: Clock | undefined;
}

/**
 * The admin listener shares the process's file descriptors with the gateway; node's defaults (headers 60 s,
 * checked every 30 s; no cap) let idle sockets take them all. Its clients are operators, the CLI and scrapers.
 */
export const adminListenerDefaults: ListenerLimits = {
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // node's default: a scrape every 15 s or more would not reuse a socket kept longer.
  keepAliveTimeoutMs: 5_000,
  maxConnections: 128,
  maxConnectionsPerIp: 64,
};

export interface RunningAdminServer {
  /** e.g. http://127.0.0.1:8082 */
  readonly url: string;
  /** Stops listening and cuts open connections, including a scraper's idle keep-alive socket. */
  close(): Promise<void>;
}

export async function startAdminServer(options: AdminServerOptions): Promise<RunningAdminServer> {
  const log = options.logger.child({ component: 'admin' });
  let url = '';
  const routes = new RouteTable(adminRoutes(options, log, () => url));
  const hostNames = new Set(['localhost', options.host, ...(options.allowedHosts ?? [])].map(lowerCase));
  const limits = limitsOf(adminListenerDefaults, options);
  const server = createServer(httpSettingsOf(limits), (request, response) => {
    dispatch(routes, hostNames, request, response).catch((error: unknown) => {
      log.error({ err: error, method: request.method, path: request.url }, 'admin request failed');
      if (!response.headersSent)
        sendError(response, 500, 'ADMIN_INTERNAL', 'the admin server failed; see its log');
      else response.destroy();
    });
  });
  const stopGuard = guardListener(server, limits, {
    refusal: {
      code: 'ADMIN_TOO_MANY_CONNECTIONS',
      message: `too many open connections from this address (admin.max_connections_per_ip: ${limits.maxConnectionsPerIp})`,
    },
    report: (refused) =>
      log.warn(
        { event: 'connections-refused', ...refused },
        describeRefusals('the admin listener', refused, limits),
      ),
    clock: options.clock,
  });
  url = await listenOn(server, options.host, options.port);
  server.on('error', (error) => log.error({ err: error }, 'admin server error'));
  log.info({ url }, 'admin server listening');
  const close = closerOf(server);
  return {
    url,
    close: () => {
      stopGuard();
      return close();
    },
  };
}

const lowerCase = (name: string): string => name.toLowerCase();

const heartbeatPath = /^\/api\/v1\/heartbeat\/[^/]+$/;

/**
 * Served whatever the Host. Probes tell a page nothing it could use, and a balancer or orchestrator may probe
 * by any name; a heartbeat's URL is its own secret, which any page can already send to without reading.
 */
function isOpenToAnyHost(path: string): boolean {
  return path === '/healthz' || path === '/readyz' || heartbeatPath.test(path);
}

/**
 * DNS rebinding: a web page points its own name at this listener and reads the answers as same-origin; its
 * requests carry `Host: its.name`, so only known names are served. An IP literal cannot be rebound, which lets
 * operators in by any address of a listener bound to 0.0.0.0. The port is not compared: an SSH tunnel or a
 * NAT in front changes it, and an unknown name is refused whatever its port.
 */
function isKnownHost(host: string | undefined, names: ReadonlySet<string>): boolean {
  // HTTP/1.0 tools may send none; a browser always does.
  if (host === undefined) return true;
  const lower = host.trim().toLowerCase();
  const end = lower.indexOf(']');
  const name = lower.startsWith('[') && end > 0 ? lower.slice(1, end) : (lower.split(':', 1)[0] ?? '');
  return isIP(name) !== 0 || names.has(name);
}

function adminRoutes(options: AdminServerOptions, log: Logger, baseUrl: () => string): AdminRoute[] {
  const routes = [metricsRoute(options.metrics), ...probeRoutes(options.isReady)];
  const { endpointControl: control, adminTokens = () => [], configStatus, monitors } = options;
  if (control) routes.push(...poolRoutes({ control, adminTokens, log }));
  if (monitors) routes.push(...monitorRoutes({ monitors, adminTokens, baseUrl, log }));
  if (options.alerts) routes.push(...alertRoutes({ alerts: options.alerts, adminTokens, log }));
  if (options.status) routes.push(...statusRoutes({ status: options.status, adminTokens, log }));
  if (configStatus) {
    const handle: AdminRoute['handle'] = (_request, response) => sendJson(response, 200, configStatus());
    routes.push({ method: 'GET', path: '/api/v1/config/status', handle });
  }
  return routes;
}

async function dispatch(
  routes: RouteTable,
  hostNames: ReadonlySet<string>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? 'GET';
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
  if (!isOpenToAnyHost(path) && !isKnownHost(request.headers.host, hostNames)) {
    const message = `Host ${JSON.stringify(request.headers.host?.slice(0, 100))} is not a name of this admin listener (a guard against DNS rebinding): use its IP address or localhost, or add the name to admin.allowed_hosts`;
    return sendJson(response, 421, { error: { code: 'ADMIN_MISDIRECTED', message } });
  }
  const match = routes.match(method, path);
  switch (match.kind) {
    case 'found':
      return match.handle(request, response, match.params);
    case 'not-found': {
      const known = routes.paths.join(', ');
      return sendError(
        response,
        404,
        'ADMIN_NOT_FOUND',
        `no admin endpoint at ${path}; the endpoints are ${known}`,
      );
    }
    case 'method-not-allowed': {
      const allowed = match.allowed.join(', ');
      return sendError(
        response,
        405,
        'ADMIN_METHOD_NOT_ALLOWED',
        `${path} accepts ${allowed}, not ${method}`,
        {
          allow: allowed,
        },
      );
    }
    case 'bad-path':
      return sendError(response, 400, 'ADMIN_BAD_REQUEST', match.message);
  }
}
