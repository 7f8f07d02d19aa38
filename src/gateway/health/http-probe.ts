import { Client } from 'undici';
import type { Endpoint } from '../endpoint.ts';

/** One active check of one endpoint: resolves true when healthy; a rejection counts as a failure. */
export type Probe = (endpoint: Endpoint, signal: AbortSignal) => Promise<boolean>;

export interface HttpProbeOptions {
  readonly path: string;
  readonly timeoutMs: number;
}

// Enough for any readiness answer; past it undici destroys the socket instead of reading further.
const maxDrainBytes = 64 * 1024;

/**
 * The default probe: GET `path` over one small keep-alive connection per endpoint (Envoy
 * `reuse_connection` true), so checks do not pay a handshake each time nor compete with the
 * endpoint's request pool. 2xx and 3xx are healthy; any other status fails at once (Envoy
 * `expected_statuses`), as do network errors.
 */
export class HttpProbe {
  readonly #options: HttpProbeOptions;
  readonly #clients = new Map<Endpoint, Client>();
  #isClosed = false;

  constructor(options: HttpProbeOptions) {
    this.#options = options;
  }

  readonly probe: Probe = async (endpoint, signal) => {
    const { statusCode, body } = await this.#clientFor(endpoint).request({
      method: 'GET',
      path: this.#options.path,
      headers: { 'user-agent': 'bulwark-health-check' },
      signal,
    });
    // Reading the body to its end is what returns the socket to keep-alive.
    await body.dump({ limit: maxDrainBytes, signal });
    return statusCode >= 200 && statusCode < 400;
  };

  /** Closes every connection; in-flight checks are aborted. */
  async close(): Promise<void> {
    this.#isClosed = true;
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((client) => client.destroy()));
  }

  #clientFor(endpoint: Endpoint): Client {
    if (this.#isClosed) throw new Error('health probe is closed');
    let client = this.#clients.get(endpoint);
    if (!client) {
      const timeoutMs = this.#options.timeoutMs;
      // The checker aborts on its own clock; these bound a probe even if that signal never fires.
      client = new Client(endpoint.url.origin, {
        connectTimeout: timeoutMs,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      this.#clients.set(endpoint, client);
    }
    return client;
  }
}
