import type { ListenAddress, RunningServer } from '../gateway/server.ts';

const keyOf = (address: ListenAddress): string => `${address.host}:${address.port}`;

/**
 * The gateway's listening sockets, keyed by address. A reload keeps a listener whose address did not
 * change (so no connection is refused), opens new addresses before it closes the ones no longer wanted.
 */
export class Listeners {
  readonly #open = new Map<string, RunningServer>();
  readonly #start: (address: ListenAddress) => Promise<RunningServer>;

  constructor(start: (address: ListenAddress) => Promise<RunningServer>) {
    this.#start = start;
  }

  get urls(): readonly string[] {
    return [...this.#open.values()].map((listener) => listener.url);
  }

  /** Opens what is missing first; only when every new address is bound are the unwanted ones closed. */
  async sync(wanted: readonly ListenAddress[]): Promise<void> {
    const wantedKeys = new Set(wanted.map(keyOf));
    const opened: [string, RunningServer][] = [];
    try {
      for (const address of wanted) {
        if (this.#open.has(keyOf(address))) continue;
        opened.push([keyOf(address), await this.#start(address)]);
      }
    } catch (error) {
      await Promise.all(opened.map(([, listener]) => listener.close()));
      throw error;
    }
    for (const [key, listener] of opened) this.#open.set(key, listener);
    const unwanted = [...this.#open].filter(([key]) => !wantedKeys.has(key));
    for (const [key] of unwanted) this.#open.delete(key);
    await Promise.all(unwanted.map(([, listener]) => listener.close()));
  }

  /**
   * Stops accepting on every listener; idle keep-alive sockets close now, busy ones when their request ends.
   * Resolves when every connection is gone; `cutOff()` ends the stragglers.
   */
  closeAll(): { readonly closed: Promise<void>; cutOff(): void } {
    const listeners = [...this.#open.values()];
    this.#open.clear();
    const closed = Promise.all(listeners.map((listener) => listener.close())).then(() => undefined);
    return { closed, cutOff: () => listeners.forEach((listener) => listener.server.closeAllConnections()) };
  }
}
