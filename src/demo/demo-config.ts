import { randomBytes } from 'node:crypto';
import { configSchema, type Config, type ConfigInput } from '../config/schema.ts';

/**
 * The demo's config, written as a user would write bulwark.yaml and parsed by the same schema, so the demo
 * exercises the real contract rather than a hand-built Config.
 */

export interface DemoPorts {
  readonly gatewayPort: number;
  readonly adminPort: number;
  /** The public status page; default 8081, or a free one when the gateway's port is (tests). */
  readonly statusPort?: number | undefined;
  /** Where monitor history goes. */
  readonly dataDir: string;
  /** A webhook that receives the alerts (the demo prints them); without it alerting stays off. */
  readonly alertSinkUrl?: string | undefined;
  /** For the admin writes and incident reads; the guide prints it (newDemoAdminToken). */
  readonly adminToken: string;
}

export const demoPoolName = 'llm';
/**
 * New for every run and printed in the guide. A fixed one was public: any web page the user visited while the
 * demo ran could send it to the loopback admin listener and write through it.
 */
export function newDemoAdminToken(): string {
  return `demo-${randomBytes(24).toString('base64url')}`;
}

export function demoConfigInput(upstreamUrls: readonly string[], ports: DemoPorts): ConfigInput {
  return {
    listen: {
      gateway: `127.0.0.1:${ports.gatewayPort}`,
      admin: `127.0.0.1:${ports.adminPort}`,
      status: `127.0.0.1:${ports.statusPort ?? (ports.gatewayPort === 0 ? 0 : 8081)}`,
    },
    admin: { tokens: [ports.adminToken] },
    pools: {
      [demoPoolName]: {
        // Streams hold an upstream for seconds; least-request keeps a slow upstream from piling them up.
        balancer: 'least-request',
        endpoints: upstreamUrls.map((url) => ({ url })),
        // 1 s checks and a threshold of 2: an unhealthy upstream leaves within about 2 s, a visible demo.
        health_check: {
          path: '/healthz',
          interval: '1s',
          timeout: '500ms',
          unhealthy_threshold: 2,
          healthy_threshold: 2,
        },
        // A simulated GPU failure (error_rate) leaves /healthz passing: a passing check must not undo the ejection.
        outlier_detection: {
          consecutive_failures: 3,
          base_ejection: '10s',
          max_ejection: '60s',
          interval: '1s',
          uneject_on_health_check: false,
        },
      },
    },
    data_dir: ports.dataDir,
    monitors: demoMonitors(upstreamUrls, ports.gatewayPort),
    status_page: demoStatusPage(upstreamUrls.length, ports.gatewayPort),
    ...(ports.alertSinkUrl === undefined
      ? {}
      : {
          alerting: {
            defaults: { group_wait: '2s', group_interval: '1m' },
            routes: [{ notify: ['console'] }],
            notifiers: { console: { type: 'webhook' as const, url: ports.alertSinkUrl } },
          },
        }),
    routes: [
      {
        // Named, so its metrics and traffic history read route="chat", and keep it if a route is added above.
        name: 'chat',
        match: { path_prefix: '/v1/' },
        pool: demoPoolName,
        timeouts: { connect: '1s', first_byte: '15s', idle: '30s', total: '120s' },
        retry: {
          attempts: 3,
          on: ['connect-failure', 'refused', 'reset-before-response', 502, 503],
          // Chat completions are POST but have no side effects upstream, so replaying one is safe.
          retry_non_idempotent: true,
        },
        // Per API key, so the guide can show a 429; requests without the header are not limited.
        rate_limits: [{ key: 'header:x-api-key', rate: '5/s', burst: 10 }],
      },
    ],
  };
}

export function demoConfig(upstreamUrls: readonly string[], ports: DemoPorts): Config {
  return configSchema.parse(demoConfigInput(upstreamUrls, ports));
}

/** The chat API as users see it (the gateway's monitor and the pool), and each upstream on its own. */
function demoStatusPage(upstreamCount: number, gatewayPort: number): NonNullable<ConfigInput['status_page']> {
  return {
    title: 'Bulwark Demo Status',
    components: [
      {
        name: 'Chat API',
        description: 'POST /v1/chat/completions through the gateway',
        from: { monitors: gatewayPort === 0 ? [] : ['chat-completions'], pools: [demoPoolName] },
      },
      {
        group: 'Inference upstreams',
        components: Array.from({ length: upstreamCount }, (_, i) => ({
          name: `Upstream ${i + 1}`,
          from: { monitors: [`upstream-${i + 1}`] },
        })),
      },
    ],
  };
}

/**
 * A monitor per upstream (the health endpoint, slow above 300 ms) and, when its port is known in advance,
 * one for the gateway's own chat completion: what a user sees, asserted on the JSON it returns.
 */
function demoMonitors(
  upstreamUrls: readonly string[],
  gatewayPort: number,
): NonNullable<ConfigInput['monitors']> {
  const upstreams = upstreamUrls.map((url, i) => ({
    name: `Upstream ${i + 1}`,
    type: 'http' as const,
    url: `${url}/healthz`,
    // Two failed 2 s checks: a crashed upstream turns on the page within about 4 s, a visible demo.
    interval: '2s',
    timeout: '1s',
    failure_threshold: 2,
    assert: ['status == 200'],
    degraded_when: ['response_time > 300ms'],
  }));
  if (gatewayPort === 0) return upstreams;
  const gateway = {
    name: 'Chat completions',
    type: 'http' as const,
    url: `http://127.0.0.1:${gatewayPort}/v1/chat/completions`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bulwark-sim-1', messages: [{ role: 'user', content: 'ping' }] }),
    interval: '10s',
    timeout: '5s',
    assert: ['status == 200', 'body.json.object == "chat.completion"'],
  };
  return [gateway, ...upstreams];
}
