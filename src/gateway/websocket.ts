import type { IncomingMessage, Server } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { Duplex } from 'node:stream';
import { UpgradeExchange, type UpgradeDeps, type UpgradeInit } from './upgrade-exchange.ts';
import { hasBody } from './request-body.ts';
import { refusalOf, refuseOnSocket } from './request-guard.ts';
import { Tunnel } from './upgrade-tunnel.ts';

/**
 * Only WebSocket handshakes are proxied as upgrades: bodiless GETs, as RFC 6455 §4.1 has them. Other Upgrade
 * requests (h2c, a POST asking for websocket) stay ordinary requests, whose Upgrade header is dropped as
 * hop-by-hop; a handshake would send their method as GET and leave their body to the tunnel.
 */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return (
    req.method === 'GET' &&
    !hasBody(req) &&
    upgrade !== undefined &&
    upgrade.split(',').some((token) => token.trim().toLowerCase() === 'websocket')
  );
}

/**
 * Sends a listener's WebSocket upgrades to `handleUpgrade`, after the checks guardListener makes of every
 * request (header count, framing, one Host). Which requests upgrade at all is guardListener's choice
 * (its shouldUpgradeCallback): WebSocket handshakes that are their connection's current request.
 */
export function proxyWebSockets(
  server: Server | Http2SecureServer,
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
  maxHeaders: number,
): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = refusalOf(req, maxHeaders);
    if (!refusal) return handleUpgrade(req, socket, head);
    refuseOnSocket(req, socket, refusal);
  });
}

/** Every upgraded connection of one gateway snapshot, so a drain can wait for them or cut them. */
export class WebSocketProxy {
  readonly #deps: UpgradeDeps;
  readonly #tunnels = new Set<Tunnel>();
  #waiters: (() => void)[] = [];

  constructor(deps: UpgradeDeps) {
    this.#deps = deps;
  }

  get openCount(): number {
    return this.#tunnels.size;
  }

  proxy(req: IncomingMessage, client: Duplex, head: Buffer, init: UpgradeInit): void {
    new UpgradeExchange(this.#deps, req, client, head, init, (upstream, endpoint) => {
      const tunnel = new Tunnel(client, upstream, () => {
        endpoint.inFlight -= 1;
        this.#tunnels.delete(tunnel);
        if (this.#tunnels.size === 0) for (const wake of this.#waiters.splice(0)) wake();
      });
      this.#tunnels.add(tunnel);
    }).start();
  }

  closeAll(): void {
    for (const tunnel of this.#tunnels) tunnel.destroy();
  }

  allClosed(): Promise<void> {
    if (this.#tunnels.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
