import type { EndpointAdminState, PoolStatus } from '../core/index.ts';

/**
 * What the endpoint verbs need from the live data plane. The gateway satisfies it structurally, so
 * services never import gateway/; app.ts hands over a getter that returns the current snapshot.
 */
export interface ControllableGateway {
  status(): readonly PoolStatus[];
  /** false when the pool has no endpoint with this id. */
  setEndpointState(poolName: string, endpointId: string, state: EndpointAdminState): boolean;
  setEndpointWeight(poolName: string, endpointId: string, weight: number): boolean;
}
