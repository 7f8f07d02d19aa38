import { Client } from 'undici';
import type { Endpoint } from '../gateway/endpoint.ts';
import type { HealthProbe } from '../gateway/health/health-probe.ts';
import type { HealthCheckSpec } from '../gateway/spec.ts';
import { endpointConnector } from '../gateway/upstream-tls.ts';
import { httpCheck, type HttpCheckSpec } from '../monitor/checks/http.ts';
import { failureOf, maxCheckBodyBytes } from './http-health-probe-verdict.ts';

/**
 * The gateway's active health check is the monitor HTTP check, passing 2xx and 3xx unless the pool lists
 * `expected_statuses`, with `expect_body` searched in the body's first 64 KiB. It goes over one small keep-alive
 * Client per endpoint (Envoy `reuse_connection`): checks pay no handshake each time nor compete with the
 * endpoint's request pool.
 */
export function httpHealthProbe(spec: HealthCheckSpec): HealthProbe {
  const clients = new Map<Endpoint, Client>();
  let isClosed = false;
  const clientFor = (endpoint: Endpoint): Client => {
    if (isClosed) throw new Error('health probe is closed');
    let client = clients.get(endpoint);
    if (!client) {
      // The checker and the check abort on their own clocks; these bound a probe even if neither fires.
      const timeoutMs = spec.timeoutMs;
      client = new Client(endpoint.url.origin, {
        // The pool's TLS (CAs, server name, verification, client certificate), as its requests use: a check
        // that trusted other CAs would pass an endpoint every request fails, or fail one they all reach.
        connect: endpointConnector(endpoint, timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      clients.set(endpoint, client);
    }
    return client;
  };
  // Operator headers may replace the user-agent; the Host is health_check.host's alone (refused in headers).
  const headers: Record<string, string> = {
    'user-agent': 'bulwark-health-check',
    ...Object.fromEntries(spec.headers ?? []),
    ...(spec.host === undefined ? {} : { host: spec.host }),
  };
  const needs = { body: spec.expectBody !== undefined };
  return {
    async probe(endpoint, signal) {
      const check: HttpCheckSpec = {
        kind: 'http',
        url: `${endpoint.url.origin}${spec.path}`,
        method: 'GET',
        headers,
        followRedirects: false,
        maxBodyBytes: needs.body ? maxCheckBodyBytes : 0,
      };
      const dispatcher = clientFor(endpoint);
      const observation = await httpCheck.run(check, {
        signal,
        timeoutMs: spec.timeoutMs,
        needs,
        dispatcher,
      });
      // A rejection carries the reason into the health event ("…; last: expected a status below 400, got 503").
      const failure = failureOf(spec, observation);
      if (failure !== undefined) throw new Error(failure);
      return true;
    },
    async close() {
      isClosed = true;
      const open = [...clients.values()];
      clients.clear();
      await Promise.all(open.map((client) => client.destroy()));
    },
  };
}
