import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gateway } from '../gateway/gateway.ts';

/**
 * The one place that knows which gateway snapshot is live. Listeners call `handle`, which forwards to the
 * current snapshot, so a reload swaps the whole data plane with one assignment and no listener changes.
 */
export class GatewayHost {
  #current: Gateway;

  constructor(initial: Gateway) {
    this.#current = initial;
  }

  get current(): Gateway {
    return this.#current;
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => this.#current.handle(req, res);

  /** Makes `next` live and returns the snapshot it replaced, which the caller drains and stops. */
  swap(next: Gateway): Gateway {
    const previous = this.#current;
    this.#current = next;
    return previous;
  }
}
