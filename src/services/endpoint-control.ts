import type { EndpointAdminState, EndpointStatus } from '../core/index.ts';
import type { ControllableGateway } from './controllable-gateway.ts';
import type { EndpointOverrides } from './endpoint-overrides.ts';
import {
  endpointView,
  poolView,
  withWorkersView,
  type EndpointView,
  type PoolView,
  type WorkersView,
} from './pool-views.ts';
import { ServiceError } from './service-error.ts';

/** What the endpoint verbs work on: the live gateway (a getter, since a reload replaces it) and the overrides. */
export interface EndpointControl {
  readonly gateway: () => ControllableGateway;
  readonly overrides: EndpointOverrides;
  /**
   * What the processes that carry the traffic see (in-flight requests, ejections, cool-downs): the cluster
   * primary's gateway serves nothing, its workers do. Without it, the gateway's own state stands.
   */
  readonly readWorkers?: (() => Promise<WorkersView>) | undefined;
}

// The config's bounds (schema.ts, endpoint weight), so a runtime weight is one a config file could hold.
const minWeight = 1;
const maxWeight = 1_000;

export async function listPools(control: EndpointControl): Promise<PoolView[]> {
  const workers = await control.readWorkers?.();
  return control
    .gateway()
    .status()
    .map((pool) => poolView(pool, control.overrides, workers));
}

/** A verb's answer as the processes that carry the traffic see the endpoint (see readWorkers). */
export async function withWorkersState(
  control: EndpointControl,
  poolName: string,
  view: EndpointView,
): Promise<EndpointView> {
  const workers = await control.readWorkers?.();
  return workers ? withWorkersView(poolName, view, workers) : view;
}

/** Finishes the endpoint's in-flight requests and streams; it receives nothing new. */
export function drainEndpoint(control: EndpointControl, poolName: string, endpointId: string): EndpointView {
  return changeState(control, poolName, endpointId, 'draining');
}

/** As drain, and its active health checks pause (HAProxy MAINT): no probes, no health alerts. */
export function putEndpointInMaintenance(
  control: EndpointControl,
  poolName: string,
  endpointId: string,
): EndpointView {
  return changeState(control, poolName, endpointId, 'maintenance');
}

/** Back in rotation after drain or maintenance; with slow_start set it ramps up from 10 %. */
export function markEndpointReady(
  control: EndpointControl,
  poolName: string,
  endpointId: string,
): EndpointView {
  return changeState(control, poolName, endpointId, 'ready');
}

/** The endpoint's share follows from the next request on; the configured weight again clears the override. */
export function setEndpointWeight(
  control: EndpointControl,
  poolName: string,
  endpointId: string,
  weight: number,
): EndpointView {
  if (!Number.isInteger(weight) || weight < minWeight || weight > maxWeight)
    throw new ServiceError(
      'SVC_INVALID',
      `weight must be an integer from ${minWeight} to ${maxWeight}, got ${weight}`,
      'weight',
    );
  const before = findEndpoint(control, poolName, endpointId);
  control.overrides.record(poolName, endpointId, { weight }, before);
  control.gateway().setEndpointWeight(poolName, endpointId, weight);
  return currentView(control, poolName, endpointId);
}

function changeState(
  control: EndpointControl,
  poolName: string,
  endpointId: string,
  state: EndpointAdminState,
): EndpointView {
  const before = findEndpoint(control, poolName, endpointId);
  control.overrides.record(poolName, endpointId, { state }, before);
  control.gateway().setEndpointState(poolName, endpointId, state);
  return currentView(control, poolName, endpointId);
}

function currentView(control: EndpointControl, poolName: string, endpointId: string): EndpointView {
  const endpoint = findEndpoint(control, poolName, endpointId);
  return endpointView(endpoint, control.overrides.get(poolName, endpointId));
}

function findEndpoint(control: EndpointControl, poolName: string, endpointId: string): EndpointStatus {
  const pools = control.gateway().status();
  const pool = pools.find((candidate) => candidate.name === poolName);
  if (!pool) {
    const names = pools.map((candidate) => candidate.name).join(', ');
    throw new ServiceError('SVC_NOT_FOUND', `no pool "${poolName}"; the pools are ${names}`);
  }
  const endpoint = pool.endpoints.find((candidate) => candidate.id === endpointId);
  if (!endpoint) {
    const ids = pool.endpoints.map((candidate) => candidate.id).join(', ');
    throw new ServiceError(
      'SVC_NOT_FOUND',
      `pool "${poolName}" has no endpoint "${endpointId}"; it has ${ids}`,
    );
  }
  return endpoint;
}
