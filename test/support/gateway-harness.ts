import { configSchema, type ConfigInput } from '../../src/config/index.ts';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { httpHealthProbe } from '../../src/runtime/http-health-probe.ts';
import { startHttpServer } from '../../src/gateway/server.ts';

export interface TestGateway {
  readonly url: string;
  readonly gateway: Gateway;
  /** Client connections the listener holds open now. */
  openConnections(): Promise<number>;
  stop(): Promise<void>;
}

/** The data plane alone, in-process on an ephemeral port, from a config written as the YAML would be. */
export async function startTestGateway(
  config: Omit<ConfigInput, 'listen'>,
  options: { readonly clock?: Clock } = {},
): Promise<TestGateway> {
  const parsed = configSchema.parse({ ...config, listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' } });
  const gateway = new Gateway(parsed, {
    clock: options.clock ?? systemClock,
    random: Math.random,
    healthProbeFor: httpHealthProbe,
  });
  gateway.start();
  const server = await startHttpServer({ host: '127.0.0.1', port: 0 }, gateway.handle);
  return {
    url: server.url,
    gateway,
    openConnections: () =>
      new Promise((resolve, reject) =>
        server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    async stop() {
      server.server.closeAllConnections();
      await server.close();
      await gateway.stop();
    },
  };
}

/** Polls `condition` until it holds or `timeoutMs` passes; tests wait on facts, never on sleeps. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
