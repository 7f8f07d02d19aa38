import { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { inspectPeer } from './inspect-peer.ts';

/** What connecting to one origin saw during a run. */
export interface Connection {
  readonly isConnected: boolean;
  readonly certDaysLeft: number | undefined;
}

/**
 * undici's own connector, wrapped to note each origin's outcome (in connect order) and to judge the peer
 * certificate itself. The days left are read on every https connection, asserted or not: cert-expiry alerts
 * and the cert_days_left metric need them, and the handshake that carries them is already done.
 */
export function recordingConnector(
  options: { readonly verifyTls: boolean; readonly timeoutMs: number; readonly signal: AbortSignal },
  connections: Map<string, Connection>,
): buildConnector.connector {
  const connect = buildConnector({
    timeout: options.timeoutMs,
    // Node would destroy an untrusted socket before we could read its expiry; inspectPeer applies verifyTls.
    rejectUnauthorized: false,
    // undici's connect timer fires up to ~500 ms late and an aborted request does not stop a connect in
    // progress: the run's signal destroys the socket itself, so a hung TLS handshake ends with the run.
    signal: options.signal,
  });
  return (target, callback) => {
    const origin = `${target.protocol}//${target.host ?? target.hostname}`;
    const note = (isConnected: boolean, certDaysLeft?: number) => {
      connections.delete(origin); // re-inserted last, so the Map's order is the order of connects
      connections.set(origin, { isConnected, certDaysLeft });
    };
    connect(target, (error, socket) => {
      if (error !== null) {
        note(false);
        callback(error, null);
      } else if (socket instanceof TLSSocket) {
        const hostname = target.servername ?? target.hostname;
        const peer = inspectPeer(socket, { hostname, verify: options.verifyTls });
        note(!peer.rejection, peer.certDaysLeft);
        if (!peer.rejection) return callback(null, socket);
        socket.destroy();
        callback(peer.rejection, null);
      } else {
        note(true);
        callback(null, socket);
      }
    });
  };
}
