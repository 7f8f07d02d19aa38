import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../observability/index.ts';
import { metricsRoute, type MetricsSource } from './metrics-route.ts';
import { probeRoutes } from './probe-routes.ts';
import { sendError, type AdminRoute } from './respond.ts';

export interface AdminServerOptions {
  /** Loopback by default in config: the admin surface is not meant for the open network. */
  readonly host: string;
  /** 0 picks a free port; the bound one is in the returned url. */
  readonly port: number;
  readonly metrics: MetricsSource;
  readonly isReady: () => boolean;
  readonly logger: Logger;
}

export interface RunningAdminServer {
  /** e.g. http://127.0.0.1:8082 */
  readonly url: string;
  /** Stops listening and cuts open connections, including a scraper's idle keep-alive socket. */
  close(): Promise<void>;
}

type Handler = AdminRoute['handle'];

export async function startAdminServer(options: AdminServerOptions): Promise<RunningAdminServer> {
  const log = options.logger.child({ component: 'admin' });
  const routes = routeTable([metricsRoute(options.metrics), ...probeRoutes(options.isReady)]);
  const server = createServer((request, response) => {
    dispatch(routes, request, response).catch((error: unknown) => {
      log.error({ err: error, method: request.method, path: request.url }, 'admin request failed');
      if (!response.headersSent)
        sendError(response, 500, 'ADMIN_INTERNAL', 'the admin server failed; see its log');
      else response.destroy();
    });
  });
  await listen(server, options.host, options.port);
  server.on('error', (error) => log.error({ err: error }, 'admin server error'));
  const url = formatUrl(options.host, (server.address() as AddressInfo).port);
  log.info({ url }, 'admin server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** path → method → handler; HEAD falls back to GET. */
function routeTable(routes: readonly AdminRoute[]): Map<string, Map<string, Handler>> {
  const table = new Map<string, Map<string, Handler>>();
  for (const route of routes) {
    const byMethod = table.get(route.path) ?? new Map<string, Handler>();
    byMethod.set(route.method, route.handle);
    if (route.method === 'GET') byMethod.set('HEAD', route.handle);
    table.set(route.path, byMethod);
  }
  return table;
}

async function dispatch(
  routes: Map<string, Map<string, Handler>>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? 'GET';
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
  const byMethod = routes.get(path);
  if (!byMethod) {
    const known = [...routes.keys()].join(', ');
    sendError(response, 404, 'ADMIN_NOT_FOUND', `no admin endpoint at ${path}; the endpoints are ${known}`);
    return;
  }
  const handle = byMethod.get(method);
  if (!handle) {
    const allowed = [...byMethod.keys()].join(', ');
    sendError(response, 405, 'ADMIN_METHOD_NOT_ALLOWED', `${path} accepts ${allowed}, not ${method}`, {
      allow: allowed,
    });
    return;
  }
  await handle(request, response);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function formatUrl(host: string, port: number): string {
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}
