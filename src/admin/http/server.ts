import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closerOf, listenOn } from '../../core/listen.ts';
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

export interface AdminServerOptions {
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
}

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
  const server = createServer((request, response) => {
    dispatch(routes, request, response).catch((error: unknown) => {
      log.error({ err: error, method: request.method, path: request.url }, 'admin request failed');
      if (!response.headersSent)
        sendError(response, 500, 'ADMIN_INTERNAL', 'the admin server failed; see its log');
      else response.destroy();
    });
  });
  url = await listenOn(server, options.host, options.port);
  server.on('error', (error) => log.error({ err: error }, 'admin server error'));
  log.info({ url }, 'admin server listening');
  return { url, close: closerOf(server) };
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
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? 'GET';
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
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
