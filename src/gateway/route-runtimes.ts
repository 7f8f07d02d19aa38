import type { Clock } from '../core/clock.ts';
import type { RouteRuntime } from './exchange-deps.ts';
import { guardsFor, type PoolGate } from './overload/pool-gates.ts';
import type { PoolSet } from './pool-set.ts';
import { RetryBudget } from './retry-budget.ts';
import { routeIdOf } from './routes.ts';
import type { GatewaySpec, RouteSpec } from './spec.ts';

/** The spec's routes, in order, with what the request path needs precomputed (see RouteRuntime). */
export function buildRouteRuntimes(
  spec: GatewaySpec,
  pools: PoolSet,
  gates: ReadonlyMap<string, PoolGate>,
  clock: Clock,
): RouteRuntime[] {
  return spec.routes.map((routeSpec, index) => {
    const id = routeIdOf(routeSpec, index);
    return {
      id,
      spec: routeSpec,
      budget: new RetryBudget(clock, routeSpec.retry.budget),
      hashKey: spec.pools[routeSpec.pool]?.hashKey,
      shortestTimeoutMs: shortestTimeoutMs(routeSpec.timeouts),
      attemptDeps: { clock, timeouts: routeSpec.timeouts },
      guards: guardsFor(id, routeSpec, pools.get(routeSpec.pool)?.throttle, gates.get(routeSpec.pool)?.gate),
    };
  });
}

/** `total` is always on; `first_byte` and `idle` unless 0 (RouteRuntime.shortestTimeoutMs). */
function shortestTimeoutMs(timeouts: RouteSpec['timeouts']): number {
  const { totalMs, firstByteMs, idleMs } = timeouts;
  return Math.min(totalMs, firstByteMs > 0 ? firstByteMs : totalMs, idleMs > 0 ? idleMs : totalMs);
}
