import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../observability/index.ts';
import { ServiceError } from '../../services/index.ts';
import { guardedJson } from './guarded.ts';
import { readJsonBody } from './json-body.ts';
import type { AdminRoute } from './respond.ts';

/** What the status routes need; the runtime's status supervisor provides it through the service verbs. */
export interface StatusApi {
  /** v2 incident objects (plus `draft`), newest first. */
  incidents(includeDrafts: boolean): readonly object[];
  incident(id: string): object;
  createIncident(body: unknown): Promise<object>;
  updateIncident(id: string, body: unknown): Promise<object>;
  publishIncident(id: string): Promise<object>;
  deleteIncident(id: string): Promise<void>;
  maintenances(): readonly object[];
  scheduleMaintenance(body: unknown): Promise<object>;
  updateMaintenance(id: string, body: unknown): Promise<object>;
  /** undefined when a maintenance that had not started was removed. */
  cancelMaintenance(id: string): Promise<object | undefined>;
  components(): readonly object[];
  overrideComponent(id: string, body: unknown): Promise<object>;
  /** Subscriber objects, newest first (their link secrets never leave Bulwark). */
  subscribers(): readonly object[];
  addSubscriber(body: unknown): Promise<object>;
  removeSubscriber(id: string): Promise<void>;
  /** The public summary.json, for `bulwark status`. */
  summary(): object;
  /** Every public file, for `bulwark status export`. */
  files(): readonly { readonly path: string; readonly contentType: string; readonly body: string }[];
}

export interface StatusRoutesOptions {
  readonly status: StatusApi;
  readonly adminTokens: () => readonly string[];
  readonly log: Logger;
}

/**
 * The status page's management API, shaped like Statuspage's v1 (`{"incident": {...}}` in, the v2 object
 * out) so scripts written for it port over. Every route needs an admin token: drafts are not public yet.
 */
export function statusRoutes(options: StatusRoutesOptions): AdminRoute[] {
  const { status } = options;
  const guarded = guardedJson({ ...options, event: 'status-control' });
  const body = async (request: IncomingMessage): Promise<unknown> => {
    const parsed = await readJsonBody(request);
    if (!parsed.ok) throw new ServiceError('SVC_INVALID', parsed.reason, 'body');
    return parsed.value;
  };
  const id = (params: Record<string, string>) => params.id ?? '';
  return [
    {
      method: 'GET',
      path: '/api/v1/incidents',
      handle: guarded(undefined, (request) => {
        const drafts = new URL(request.url ?? '/', 'http://admin').searchParams.get('drafts');
        return Promise.resolve({ incidents: status.incidents(drafts !== 'false') });
      }),
    },
    {
      method: 'POST',
      path: '/api/v1/incidents',
      handle: guarded('incident created', async (r) => status.createIncident(await body(r)), 201),
    },
    {
      method: 'GET',
      path: '/api/v1/incidents/{id}',
      handle: guarded(undefined, (_r, p) => Promise.resolve(status.incident(id(p)))),
    },
    {
      method: 'PATCH',
      path: '/api/v1/incidents/{id}',
      handle: guarded('incident updated', async (r, p) => status.updateIncident(id(p), await body(r))),
    },
    {
      method: 'POST',
      path: '/api/v1/incidents/{id}/publish',
      handle: guarded('incident published', async (_r, p) => status.publishIncident(id(p))),
    },
    {
      method: 'DELETE',
      path: '/api/v1/incidents/{id}',
      handle: guarded('incident deleted', async (_r, p) => status.deleteIncident(id(p))),
    },
    {
      method: 'GET',
      path: '/api/v1/scheduled-maintenances',
      handle: guarded(undefined, () => Promise.resolve({ scheduled_maintenances: status.maintenances() })),
    },
    {
      method: 'POST',
      path: '/api/v1/scheduled-maintenances',
      handle: guarded('maintenance scheduled', async (r) => status.scheduleMaintenance(await body(r)), 201),
    },
    {
      method: 'PATCH',
      path: '/api/v1/scheduled-maintenances/{id}',
      handle: guarded('maintenance updated', async (r, p) => status.updateMaintenance(id(p), await body(r))),
    },
    {
      method: 'DELETE',
      path: '/api/v1/scheduled-maintenances/{id}',
      handle: guarded('maintenance cancelled', async (_r, p) => status.cancelMaintenance(id(p))),
    },
    {
      method: 'GET',
      path: '/api/v1/components',
      handle: guarded(undefined, () => Promise.resolve({ components: status.components() })),
    },
    {
      method: 'PATCH',
      path: '/api/v1/components/{id}',
      handle: guarded('component status set', async (r, p) => status.overrideComponent(id(p), await body(r))),
    },
    {
      method: 'GET',
      path: '/api/v1/subscribers',
      handle: guarded(undefined, () => Promise.resolve({ subscribers: status.subscribers() })),
    },
    {
      method: 'POST',
      path: '/api/v1/subscribers',
      handle: guarded('subscriber added', async (r) => status.addSubscriber(await body(r)), 201),
    },
    {
      method: 'DELETE',
      path: '/api/v1/subscribers/{id}',
      handle: guarded('subscriber removed', async (_r, p) => status.removeSubscriber(id(p))),
    },
    {
      method: 'GET',
      path: '/api/v1/status/summary',
      handle: guarded(undefined, () => Promise.resolve(status.summary())),
    },
    {
      method: 'GET',
      path: '/api/v1/status/files',
      handle: guarded(undefined, () => Promise.resolve({ files: status.files() })),
    },
  ];
}
