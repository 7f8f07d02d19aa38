import { parseArgs } from 'node:util';
import { startBulwark } from '../src/app.ts';
import { configSchema } from '../src/config/schema.ts';
import { startBulwarkCluster } from '../src/runtime/cluster/index.ts';

/**
 * Bulwark as the benchmark runs it: one pool with the single bench upstream and every data-plane policy a
 * production config would turn on (active health checks, outlier detection, retries, metrics).
 */

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    port: { type: 'string', default: '0' },
    'admin-port': { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
  },
});
if (!values.upstream)
  throw new Error('usage: bulwark-gateway.ts --upstream http://127.0.0.1:PORT [--port 0] [--workers 1]');

const config = configSchema.parse({
  listen: { gateway: `127.0.0.1:${values.port}`, admin: `127.0.0.1:${values['admin-port']}` },
  // Per-request logs off, as nginx runs with access_log off and HAProxy with no log target.
  logging: { level: 'warn' },
  pools: {
    bench: {
      balancer: 'least-request',
      endpoints: [{ url: values.upstream }],
      health_check: { path: '/healthz', interval: '1s' },
      outlier_detection: { consecutive_failures: 5 },
    },
  },
  routes: [
    {
      match: { path_prefix: '/' },
      pool: 'bench',
      retry: { attempts: 2, on: ['connect-failure', 'refused', 'reset-before-response', 502, 503] },
    },
  ],
});

const workers = Number(values.workers);
const bulwark =
  workers > 1
    ? await startBulwarkCluster(config, { configPath: 'bench/bulwark-gateway.ts', workers })
    : await startBulwark(config, { configPath: 'bench/bulwark-gateway.ts' });
process.stdout.write(`listening ${bulwark.gatewayUrl}\n`);
process.once('SIGTERM', () => {
  bulwark.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
