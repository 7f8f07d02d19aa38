import { connect } from 'node:net';
import { z } from 'zod';
import type { Observation } from '../../core/index.ts';
import type { Check } from './check.ts';
import { startRun } from './run-bounds.ts';

export interface TcpCheckSpec {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
}

const configFields = {
  host: z.string().min(1),
  port: z.int().min(1).max(65_535),
};

/** Opens a TCP connection and closes it at once: `responseTimeMs` is the connect time. */
export const tcpCheck: Check<TcpCheckSpec, z.output<z.ZodObject<typeof configFields>>> = {
  kind: 'tcp',
  configFields,
  specOf: (c) => ({ kind: 'tcp', host: c.host, port: c.port }),
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
