import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { RateRefusal, RouteRateLimits } from './layers/rate-limit.ts';
import {
  GateTicket,
  type ConcurrencyGate,
  type GateWaiter,
  type QueuedEntry,
} from './overload/concurrency-gate.ts';
import type { RateDecision, RateLimitStore } from './overload/rate-limit-store.ts';
import type { UpstreamThrottle } from './overload/upstream-throttle.ts';
import { closeCause } from './client-errors.ts';
import { publishLocalAnswer } from './request-events.ts';
import { isClientGone, sendError } from './responses.ts';
import type { Priority } from './spec.ts';

/** A route's overload policies; a route with none of them skips admission entirely. */
export interface RouteGuards {
  readonly id: string;
  readonly pool: string;
  readonly priority: Priority;
  readonly priorityHeader: string | undefined;
  readonly rateLimits: RouteRateLimits | undefined;
  readonly throttle: UpstreamThrottle | undefined;
  readonly gate: ConcurrencyGate | undefined;
}

export interface AdmissionDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly rateLimitStore: RateLimitStore;
  /** Whether the drain cut this response at drain_timeout: then its close is Bulwark's doing, not the client's. */
  readonly wasCutOff: (res: ServerResponse) => boolean;
}

export interface AdmissionRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly clientIp: string;
}

/** Overloaded answers say when to come back; a second is short enough to be honest about a queue. */
const retryAfterOverloadS = 1;

/**
 * The overload policies in front of the exchange, cheapest refusal first: rate limits (429), client-side
 * throttling of a pool whose upstreams keep refusing (503), then the pool's concurrency gate and queue
 * (503 when shed or when the wait times out). `proceed` runs once, only if the request is admitted, with
 * its gate ticket; the ticket is released when the response closes, however it ends.
 */
export function admit(
  deps: AdmissionDeps,
  route: RouteGuards,
  request: AdmissionRequest,
  proceed: (ticket: GateTicket | undefined) => void,
): void {
  const { req, res } = request;
  let ticket: GateTicket | undefined;
  let queued: QueuedEntry | undefined;
  /** Waiting for the shared rate-limit store (a cluster's primary) to decide. */
  let isDeciding = false;
  // Registered before anything can wait, so a client leaving at any point frees its place.
  res.once('close', () => {
    // Ended while it waited for a slot or a rate decision: nobody else will log or count it. The client left
    // (499), node answered a body too slow (408), or the drain cut it (GW_DRAINED).
    if (queued || isDeciding) {
      const { status, code } = closeCause(req, deps.wasCutOff(res), undefined);
      publishLocalAnswer(req, request.requestId, route.id, status, code);
    }
    queued?.cancel();
    ticket?.release();
  });

  const afterRateLimits = (): void => {
    if (isClientGone(res)) return;
    const priority = priorityOf(route, req);
    if (route.throttle && priority !== 'critical' && isThrottled(deps, route.throttle)) {
      const message = `pool "${route.pool}" is refusing most requests; sending fewer for now`;
      const retryAfterS = route.throttle.retryAfterS(deps.clock.nowMs());
      return refuse(request, route, 503, 'GW_THROTTLED', message, retryAfterS);
    }
    if (!route.gate) return proceed(undefined);
    const waiter: GateWaiter = {
      admit(admitted) {
        queued = undefined;
        ticket = admitted;
        if (isClientGone(res)) return admitted.release();
        // This runs inside another request's 'close' or a timer: a throw here would end the process.
        try {
          proceed(admitted);
        } catch {
          admitted.release();
          sendError(res, 500, 'GW_INTERNAL', 'internal gateway error', request.requestId);
          publishLocalAnswer(req, request.requestId, route.id, 500, 'GW_INTERNAL');
        }
      },
      refuse(reason) {
        queued = undefined;
        if (reason === 'timeout')
          refuse(
            request,
            route,
            503,
            'GW_QUEUE_TIMEOUT',
            `pool "${route.pool}" is at capacity; the wait timed out`,
            retryAfterOverloadS,
          );
        else
          refuse(request, route, 503, 'GW_SHED', `pool "${route.pool}" is at capacity`, retryAfterOverloadS);
      },
    };
    const entered = route.gate.enter(priority, waiter);
    if (entered instanceof GateTicket) {
      ticket = entered;
      return proceed(entered);
    }
    if (entered === 'shed') return waiter.refuse('shed');
    queued = entered;
  };

  const applied = route.rateLimits?.bucketsFor(req.headers, request.clientIp);
  if (!route.rateLimits || !applied) return afterRateLimits();
  const limits = route.rateLimits;
  const decide = (decision: RateDecision): void => {
    const headers = limits.headers(applied, decision);
    if (!res.headersSent) {
      res.setHeader('ratelimit-policy', headers.policy);
      res.setHeader('ratelimit', headers.state);
    }
    if (decision.isAllowed) return afterRateLimits();
    const retryAfterS = Math.max(1, Math.ceil(decision.retryAfterMs / 1_000));
    const message = 'rate limit exceeded; see the RateLimit header';
    const refusal = limits.refusal(applied, decision);
    refuse(request, route, 429, 'GW_RATE_LIMITED', message, retryAfterS, refusal);
  };
  const decision = deps.rateLimitStore.take(applied.requests, deps.clock.nowMs());
  if (!(decision instanceof Promise)) return decide(decision);
  isDeciding = true;
  // The shared store (a cluster's primary) failing must not take the gateway down with it: fail open.
  decision
    .finally(() => {
      isDeciding = false;
    })
    .then(decide, () => afterRateLimits())
    .catch(() => {
      sendError(res, 500, 'GW_INTERNAL', 'internal gateway error', request.requestId);
      publishLocalAnswer(req, request.requestId, route.id, 500, 'GW_INTERNAL');
    });
}

const priorities: ReadonlySet<string> = new Set<Priority>(['critical', 'default', 'sheddable']);

/** The route's class, unless it trusts a header that names another one. */
function priorityOf(route: RouteGuards, req: IncomingMessage): Priority {
  if (route.priorityHeader === undefined) return route.priority;
  const value = req.headers[route.priorityHeader];
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  return text !== undefined && priorities.has(text) ? (text as Priority) : route.priority;
}

function isThrottled(deps: AdmissionDeps, throttle: UpstreamThrottle): boolean {
  const nowMs = deps.clock.nowMs();
  const probability = throttle.rejectProbability(nowMs);
  if (probability <= 0 || deps.random() >= probability) return false;
  // A request refused here still counts as a request: that keeps the ratio honest while the upstream is down.
  throttle.recordRequest(nowMs);
  return true;
}

function refuse(
  request: AdmissionRequest,
  route: RouteGuards,
  status: number,
  code: ErrorCode,
  message: string,
  retryAfterS: number,
  rateRefusal?: RateRefusal,
): void {
  if (isClientGone(request.res)) return;
  if (!request.res.headersSent) request.res.setHeader('retry-after', String(retryAfterS));
  sendError(request.res, status, code, message, request.requestId);
  publishLocalAnswer(request.req, request.requestId, route.id, status, code, route.pool, rateRefusal);
}
