import type { AdminRoute } from './respond.ts';
import { sendJson } from './respond.ts';

/**
 * Liveness answers "is the process able to answer at all" and never looks at dependencies, so an orchestrator
 * does not restart a healthy process because its upstreams are down. Readiness says whether to send traffic.
 */
export function probeRoutes(isReady: () => boolean): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handle: (_request, response) => sendJson(response, 200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/readyz',
      handle: (_request, response) =>
        isReady()
          ? sendJson(response, 200, { status: 'ready' })
          : sendJson(response, 503, { status: 'not ready' }),
    },
  ];
}
