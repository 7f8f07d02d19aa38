import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../observability/index.ts';
import {
  drainEndpoint,
  listPools,
  markEndpointReady,
  putEndpointInMaintenance,
  ServiceError,
  setEndpointWeight,
  type EndpointControl,
  type EndpointView,
  withWorkersState,
} from '../../services/index.ts';
import { isAdmitted } from './guarded.ts';
import { readJsonBody } from './json-body.ts';
import { sendError, sendJson, type AdminRoute, type RouteParams } from './respond.ts';

export interface PoolRoutesOptions {
  readonly control: EndpointControl;
  /** Read at each write, so tokens changed by a reload apply at once. */
  readonly adminTokens: () => readonly string[];
  readonly log: Logger;
}

const endpointPath = '/api/v1/pools/{pool}/endpoints/{endpoint}';

interface EndpointParams {
  readonly pool: string;
  readonly endpoint: string;
}

type Verb = (
  control: EndpointControl,
  request: IncomingMessage,
  params: EndpointParams,
) => Promise<EndpointView | BadInput> | EndpointView | BadInput;

/** A request the transport could not turn into a call: which field, and why. */
interface BadInput {
  readonly field: string;
  readonly message: string;
}

/** GET /api/v1/pools, and one route per endpoint verb. Transport only: parse, call the service, map errors. */
export function poolRoutes(options: PoolRoutesOptions): AdminRoute[] {
  const write = (action: string, verb: Verb): AdminRoute['handle'] => {
    return async (request, response, params) => {
      if (!isAdmitted(request, response, options.adminTokens())) return;
      await runVerb(options, action, verb, request, response, params);
    };
  };
  return [
    {
      method: 'GET',
      path: '/api/v1/pools',
      handle: async (_request, response) =>
        sendJson(response, 200, { pools: await listPools(options.control) }),
    },
    {
      method: 'POST',
      path: `${endpointPath}/drain`,
      handle: write('drain', (control, _request, { pool, endpoint }) =>
        drainEndpoint(control, pool, endpoint),
      ),
    },
    {
      method: 'POST',
      path: `${endpointPath}/maintenance`,
      handle: write('maintenance', (control, _request, { pool, endpoint }) =>
        putEndpointInMaintenance(control, pool, endpoint),
      ),
    },
    {
      method: 'POST',
      path: `${endpointPath}/ready`,
      handle: write('ready', (control, _request, { pool, endpoint }) =>
        markEndpointReady(control, pool, endpoint),
      ),
    },
    {
      method: 'PUT',
      path: `${endpointPath}/weight`,
      handle: write('weight', async (control, request, { pool, endpoint }) => {
        const weight = await weightFrom(request);
        return typeof weight === 'number' ? setEndpointWeight(control, pool, endpoint, weight) : weight;
      }),
    },
  ];
}

async function runVerb(
  options: PoolRoutesOptions,
  action: string,
  verb: Verb,
  request: IncomingMessage,
  response: ServerResponse,
  params: RouteParams,
): Promise<void> {
  const { pool = '', endpoint = '' } = params;
  try {
    const result = await verb(options.control, request, { pool, endpoint });
    if ('field' in result) return sendBadInput(response, result);
    options.log.info(
      {
        event: 'endpoint-control',
        action,
        pool,
        endpoint,
        state: result.state,
        weight: result.weight.current,
      },
      `endpoint ${action} by the admin API`,
    );
    sendJson(response, 200, { pool, endpoint: await withWorkersState(options.control, pool, result) });
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    if (error.code === 'SVC_NOT_FOUND') return sendError(response, 404, 'ADMIN_NOT_FOUND', error.message);
    sendBadInput(response, { field: error.field ?? '', message: error.message });
  }
}

/** The weight from a `{"weight": N}` body, or what is wrong with the body. */
async function weightFrom(request: IncomingMessage): Promise<number | BadInput> {
  const body = await readJsonBody(request);
  const expected = 'expected a JSON body like {"weight": 5}';
  if (!body.ok) return { field: 'weight', message: `${body.reason}; ${expected}` };
  const weight = isObject(body.value) ? body.value.weight : undefined;
  if (typeof weight === 'number') return weight;
  const found = weight === undefined ? 'no weight' : `weight as ${typeof weight}`;
  return { field: 'weight', message: `weight must be a number; ${expected}, found ${found}` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sendBadInput(response: ServerResponse, bad: BadInput): void {
  sendJson(response, 400, { error: { code: 'ADMIN_BAD_REQUEST', message: bad.message, field: bad.field } });
}
