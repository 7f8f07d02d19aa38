import { isIP } from 'node:net';
import { connect } from 'node:tls';
import { z } from 'zod';
import type { Observation } from '../../core/index.ts';
import type { Check } from './check.ts';
import { inspectPeer } from './inspect-peer.ts';
import { startRun } from './run-bounds.ts';

export interface TlsCheckSpec {
  readonly kind: 'tls';
  readonly host: string;
  readonly port: number;
  /** SNI and the name verified; defaults to `host` unless it is an IP address (SNI cannot carry one). */
  readonly servername?: string | undefined;
  /** Whether an untrusted chain or a wrong name is an error; the days left are reported either way. */
  readonly verify: boolean;
}

const configFields = {
  host: z.string().min(1),
  port: z.int().min(1).max(65_535).default(443),
  servername: z.string().optional(),
  verify: z.boolean().default(true),
};

/** A TLS handshake and nothing more: `responseTimeMs` is connect plus handshake. */
export const tlsCheck: Check<TlsCheckSpec, z.output<z.ZodObject<typeof configFields>>> = {
  kind: 'tls',
  configFields,
  specOf: (c) => ({ kind: 'tls', host: c.host, port: c.port, servername: c.servername, verify: c.verify }),
  defaultFailure: (observation) => (observation.connected === false ? 'not connected' : undefined),
  async run(spec, context) {
    const bounds = startRun(context);
    const servername = spec.servername ?? (isIP(spec.host) === 0 ? spec.host : undefined);
    // Never let Node reject: a refused certificate's expiry is still worth reporting (see inspectPeer).
    const socket = connect({
      host: spec.host,
      port: spec.port,
      rejectUnauthorized: false,
      ...(servername === undefined ? {} : { servername }),
    });
    try {
      await bounds.race(
        new Promise<void>((resolve, reject) => {
          socket.once('secureConnect', resolve).once('error', reject);
        }),
      );
      const responseTimeMs = bounds.elapsedMs();
      const peer = inspectPeer(socket, { hostname: servername ?? spec.host, verify: spec.verify });
      const observation: Observation = { responseTimeMs, connected: true, certDaysLeft: peer.certDaysLeft };
      if (!peer.rejection) return observation;
      return { ...observation, connected: false, error: bounds.describe(peer.rejection) };
    } catch (error) {
      return { responseTimeMs: bounds.elapsedMs(), connected: false, error: bounds.describe(error) };
    } finally {
      bounds.end();
      socket.destroy();
    }
  },
};
