import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../observability/index.ts';
import { ServiceError, type SilenceView } from '../../services/index.ts';
import { guardedJson, isAdmitted } from './guarded.ts';
import { readJsonBody } from './json-body.ts';
import { sendBadInput, sendError, sendJson, type AdminRoute } from './respond.ts';

/** One standing alert as the API shows it. */
export interface AlertView {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  /** active, or suppressed with what mutes it. */
  readonly state: 'active' | 'suppressed';
  readonly suppressedBy: { readonly by: string; readonly ids?: readonly string[] } | null;
  readonly acknowledged: { readonly by: string; readonly at: string } | null;
  readonly groups: readonly string[];
}

export interface NotificationRecordView {
  readonly id: string;
  readonly notifier: string;
  readonly groupKey: string;
  readonly status: string;
  readonly reason: string;
  readonly state: string;
  readonly attempts: number;
  readonly createdAt: string;
  readonly nextAttemptAt: string | null;
  readonly finishedAt: string | null;
  readonly lastError: string | null;
  readonly alerts: number;
}

/** What the alerting routes need; the runtime's alerting supervisor provides it through the service verbs. */
export interface AlertsApi {
  alerts(): readonly AlertView[];
  acknowledge(fingerprint: string, body: unknown): Promise<AlertView>;
  silences(): Promise<readonly SilenceView[]>;
  createSilence(body: unknown): Promise<SilenceView>;
  expireSilence(id: string): Promise<SilenceView>;
  notifications(state: string | undefined, limit: number): Promise<readonly NotificationRecordView[]>;
}

export interface AlertRoutesOptions {
  readonly alerts: AlertsApi;
  readonly adminTokens: () => readonly string[];
  readonly log: Logger;
}

const outboxStates = new Set(['pending', 'delivered', 'dead']);

/**
 * /api/v1/alerts (+ ack), /api/v1/silences (Alertmanager's verbs: create, list, delete = expire) and
 * /api/v1/notifications (the outbox: pending, delivered and dead-lettered). Writes, and reads of the
 * outbox, need an admin token.
 */
export function alertRoutes(options: AlertRoutesOptions): AdminRoute[] {
  const { alerts } = options;
  const write = guardedJson({ ...options, event: 'alerting-control' });
  return [
    {
      method: 'GET',
      path: '/api/v1/alerts',
      handle: (_req, response) => sendJson(response, 200, { alerts: alerts.alerts() }),
    },
    {
      method: 'POST',
      path: '/api/v1/alerts/{fingerprint}/ack',
      handle: write('alert acknowledged', async (request, params) =>
        alerts.acknowledge(params.fingerprint ?? '', await optionalBody(request)),
      ),
    },
    {
      method: 'GET',
      path: '/api/v1/silences',
      handle: async (_req, response) => sendJson(response, 200, { silences: await alerts.silences() }),
    },
    {
      method: 'POST',
      path: '/api/v1/silences',
      handle: write(
        'silence created',
        async (request) => {
          const body = await readJsonBody(request);
          if (!body.ok) throw new ServiceError('SVC_INVALID', body.reason, 'body');
          return alerts.createSilence(body.value);
        },
        201,
      ),
    },
    {
      method: 'GET',
      path: '/api/v1/silences/{id}',
      handle: async (_req, response, params) => {
        const silence = (await alerts.silences()).find((s) => s.id === params.id);
        if (!silence) return sendError(response, 404, 'ADMIN_NOT_FOUND', `no silence with id "${params.id}"`);
        sendJson(response, 200, silence);
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/silences/{id}',
      handle: write('silence expired', (_request, params) => alerts.expireSilence(params.id ?? '')),
    },
    {
      method: 'GET',
      path: '/api/v1/notifications',
      // Unlike alerts and silences, the outbox holds status page subscribers' deliveries: who was written to.
      handle: async (request, response) => {
        if (!isAdmitted(request, response, options.adminTokens())) return;
        const query = new URL(request.url ?? '/', 'http://admin').searchParams;
        const state = query.get('state') ?? undefined;
        if (state !== undefined && !outboxStates.has(state))
          return sendBadInput(
            response,
            'state',
            `state must be pending, delivered or dead, found "${state}"`,
          );
        const limit = Number(query.get('limit') ?? '100');
        if (!Number.isInteger(limit) || limit < 1 || limit > 1_000)
          return sendBadInput(response, 'limit', 'limit must be an integer from 1 to 1000');
        sendJson(response, 200, { notifications: await alerts.notifications(state, limit) });
      },
    },
  ];
}

/** An ack may come without a body; a body that is there must be JSON. */
async function optionalBody(request: IncomingMessage): Promise<unknown> {
  if (
    (request.headers['content-length'] ?? '0') === '0' &&
    request.headers['transfer-encoding'] === undefined
  )
    return {};
  const body = await readJsonBody(request);
  if (!body.ok) throw new ServiceError('SVC_INVALID', body.reason, 'body');
  return body.value;
}
