import type { GatewaySpec, RouteSpec } from './spec.ts';

const unreachedPoolConnectMs = 2_000;

/**
 * undici sets the connect timeout per connection pool, and one endpoint serves every route that reaches
 * its pool (directly or by failover), so the strictest of those routes' connect timeouts applies.
 */
export function connectTimeoutForPool(poolName: string, spec: GatewaySpec): number {
  const reaching = spec.routes.filter((route) => failoverChain(route, spec).includes(poolName));
  // A pool no route reaches takes no requests, so its connect timeout is never used; any value does.
  if (reaching.length === 0) return unreachedPoolConnectMs;
  // 0 is off: a route that turns it off must not take the timeout away from the pool's other routes.
  const timed = reaching.map((route) => route.timeouts.connectMs).filter((ms) => ms > 0);
  return timed.length > 0 ? Math.min(...timed) : 0;
}

function failoverChain(route: RouteSpec, spec: GatewaySpec): string[] {
  const chain: string[] = [];
  for (
    let name: string | undefined = route.pool;
    name !== undefined && !chain.includes(name);
    name = spec.pools[name]?.failover
  )
    chain.push(name);
  return chain;
}
