import { configSchema, type Config, type ConfigInput } from '../config/schema.ts';

/**
 * The demo's config, written as a user would write bulwark.yaml and parsed by the same schema, so the demo
 * exercises the real contract rather than a hand-built Config.
 */

export interface DemoPorts {
  readonly gatewayPort: number;
  readonly adminPort: number;
}

export const demoPoolName = 'llm';

export function demoConfigInput(upstreamUrls: readonly string[], ports: DemoPorts): ConfigInput {
  return {
    listen: { gateway: `127.0.0.1:${ports.gatewayPort}`, admin: `127.0.0.1:${ports.adminPort}` },
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
        outlier_detection: {
          consecutive_failures: 3,
          base_ejection: '10s',
          max_ejection: '60s',
          interval: '1s',
        },
      },
    },
    routes: [
      {
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
