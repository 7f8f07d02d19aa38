import type { ConnectionOptions } from 'node:tls';
import { buildConnector } from 'undici';
import type { Endpoint } from './endpoint.ts';
import type { UpstreamTlsSpec } from './spec.ts';

/** What node's tls.connect takes from a pool's `tls`: the one mapping, for requests, checks and upgrades. */
export function tlsConnectOptions(
  tls: UpstreamTlsSpec | undefined,
): Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'> {
  if (!tls) return {};
  const { ca, clientCertificate, isVerified } = tls;
  return {
    // Replaces node's bundled roots, as Envoy's trusted_ca and nginx's proxy_ssl_trusted_certificate do.
    ...(ca === undefined ? {} : { ca }),
    ...(clientCertificate === undefined ? {} : { cert: clientCertificate.cert, key: clientCertificate.key }),
    rejectUnauthorized: isVerified,
  };
}

/**
 * An undici connector for `endpoint` with its pool's TLS options. Its connections carry the endpoint's
 * `serverName` whatever a request's Host says, except an address's: RFC 6066 puts no address in SNI, and node
 * warns when asked to, so those send none and the certificate is checked against the address.
 */
export function endpointConnector(
  endpoint: Pick<Endpoint, 'url' | 'serverName' | 'isAddress' | 'tls'>,
  timeoutMs: number,
): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, ...tlsConnectOptions(endpoint.tls) });
  if (endpoint.url.protocol !== 'https:') return connect;
  return (options, callback) => {
    const { servername, ...others } = options;
    void servername;
    return connect(endpoint.isAddress ? others : { ...others, servername: endpoint.serverName }, callback);
  };
}
