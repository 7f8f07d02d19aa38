import type { ListenAddress } from '../gateway/server.ts';
import { bindError } from './bind-error.ts';
import { closeNow, type ServedListener } from './served-listener.ts';

const keyOf = (address: ListenAddress): string => `${address.host}:${address.port}`;
const parseKey = (key: string): ListenAddress => {
  const at = key.lastIndexOf(':');
  return { host: key.slice(0, at), port: Number(key.slice(at + 1)) };
};

/**
 * A listener change prepared for a start or a reload. Everything that can fail (binding, reading
 * certificates) happened while preparing it, so committing cannot fail and aborting leaves things as they were.
 */
export interface ListenerChange {
  /** Makes the change live; returns the listeners no longer wanted, still open, for the caller to close. */
  commit(): ServedListener[];
  /** Closes what the preparation opened; the live listeners stay as they were. */
  abort(): Promise<void>;
}

/**
 * The gateway's plain listening sockets, keyed by address. A reload keeps a listener whose address did not
 * change (so no connection is refused) and binds new addresses before the old ones are given up.
 */
export class Listeners {
  readonly #open = new Map<string, ServedListener>();
  readonly #start: (address: ListenAddress) => Promise<ServedListener>;

  constructor(start: (address: ListenAddress) => Promise<ServedListener>) {
    this.#start = start;
  }

  get urls(): readonly string[] {
    return [...this.#open.values()].map((listener) => listener.url);
  }

  /** Binds every wanted address not open yet; if one cannot be bound, those bound so far are closed. */
  async prepare(wanted: readonly ListenAddress[]): Promise<ListenerChange> {
    const opened = new Map<string, ServedListener>();
    try {
      for (const address of wanted) {
        const key = keyOf(address);
        if (!this.#open.has(key) && !opened.has(key)) opened.set(key, await this.#bind(address));
      }
    } catch (error) {
      await closeNow([...opened.values()]);
      throw error;
    }
    const wantedKeys = new Set(wanted.map(keyOf));
    return {
      commit: () => {
        const unwanted = [...this.#open].filter(([key]) => !wantedKeys.has(key));
        for (const [key] of unwanted) this.#open.delete(key);
        for (const [key, listener] of opened) this.#open.set(key, listener);
        return unwanted.map(([, listener]) => listener);
      },
      abort: () => closeNow([...opened.values()]),
    };
  }

  async #bind(address: ListenAddress): Promise<ServedListener> {
    try {
      return await this.#start(address);
    } catch (error) {
      const samePort = [...this.#open.keys()].find((key) => key.endsWith(`:${address.port}`));
      const heldBy = samePort === undefined || address.port === 0 ? undefined : parseKey(samePort);
      throw bindError('listen.gateway', address, error, heldBy);
    }
  }

  /** Hands every listener over to the caller (the stop), which closes them. */
  takeAll(): ServedListener[] {
    const listeners = [...this.#open.values()];
    this.#open.clear();
    return listeners;
  }
}
