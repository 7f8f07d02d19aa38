import { connect } from 'node:net';
import type { Observation } from '../../core/index.ts';
import type { Check } from './check.ts';
import { startRun } from './run-bounds.ts';

export interface TcpCheckSpec {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
}

/** Opens a TCP connection and closes it at once: `responseTimeMs` is the connect time. */
export const tcpCheck: Check<TcpCheckSpec> = {
  kind: 'tcp',
  defaultFailure: (observation) => (observation.connected === false ? 'not connected' : undefined),
  async run(spec, context) {
    const bounds = startRun(context);
    const socket = connect({ host: spec.host, port: spec.port });
    try {
      await bounds.race(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve).once('error', reject);
        }),
      );
      return { responseTimeMs: bounds.elapsedMs(), connected: true } satisfies Observation;
    } catch (error) {
      return { responseTimeMs: bounds.elapsedMs(), connected: false, error: bounds.describe(error) };
    } finally {
      bounds.end();
      socket.destroy();
    }
  },
};
