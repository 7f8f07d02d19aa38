import type { AdminRoute } from './respond.ts';

/** What /metrics needs; GatewayMetrics satisfies it. */
export interface MetricsSource {
  metricsText(): Promise<string>;
  readonly contentType: string;
}

export function metricsRoute(metrics: MetricsSource): AdminRoute {
  return {
    method: 'GET',
    path: '/metrics',
    async handle(_request, response) {
      const text = await metrics.metricsText();
      response.writeHead(200, {
        'content-type': metrics.contentType,
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
      });
      response.end(text);
    },
  };
}
