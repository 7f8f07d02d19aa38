import type { Config } from '../../config/index.ts';
import type { ListenAddress } from '../../gateway/server.ts';

/** The port the kernel chose for a gateway listener whose config says port 0, on that host. */
export interface ListenPin {
  readonly listener: 'gateway' | 'gatewayTls';
  readonly host: string;
  readonly port: number;
}

/** The URLs a worker's listeners are bound to, as it reports them. */
export interface BoundUrls {
  readonly gatewayUrl: string;
  readonly gatewayTlsUrl: string | undefined;
}

/**
 * The ports a worker bound for each gateway listener its config leaves to the kernel (port 0). node:cluster
 * shares a listener between workers by address as written, so once no worker holds `host:0` the next one to
 * listen there gets a new port; replacements listen on the pinned port instead, and clients keep the address.
 */
export function pinsOf(config: Config, bound: BoundUrls): ListenPin[] {
  const pins: ListenPin[] = [];
  const add = (listener: ListenPin['listener'], address: ListenAddress | undefined, url?: string): void => {
    const port = url === undefined ? Number.NaN : Number(new URL(url).port);
    if (address?.port === 0 && port > 0) pins.push({ listener, host: address.host, port });
  };
  add('gateway', config.listen.gateway, bound.gatewayUrl);
  add('gatewayTls', config.listen.gatewayTls?.address, bound.gatewayTlsUrl);
  return pins;
}

/** The latest pin of each listener: a reload that moved a port-0 listener to another host replaces it. */
export function mergePins(known: readonly ListenPin[], learned: readonly ListenPin[]): ListenPin[] {
  const kept = known.filter((pin) => !learned.some((next) => next.listener === pin.listener));
  return [...kept, ...learned];
}

/** `config` with each gateway listener written as `host:0` moved to the port pinned for that host. */
export function withPins(config: Config, pins: readonly ListenPin[]): Config {
  const portOf = (listener: ListenPin['listener'], address: ListenAddress): number | undefined =>
    address.port === 0
      ? pins.find((pin) => pin.listener === listener && pin.host === address.host)?.port
      : undefined;
  const gatewayPort = portOf('gateway', config.listen.gateway);
  const tls = config.listen.gatewayTls;
  const tlsPort = tls && portOf('gatewayTls', tls.address);
  if (gatewayPort === undefined && tlsPort === undefined) return config;
  return {
    ...config,
    listen: {
      ...config.listen,
      gateway: { ...config.listen.gateway, port: gatewayPort ?? config.listen.gateway.port },
      gatewayTls: tls && { ...tls, address: { ...tls.address, port: tlsPort ?? tls.address.port } },
    },
  };
}
