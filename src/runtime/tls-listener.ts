import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { ConfigError } from '../config/config-error.ts';
import type { ListenAddress } from '../gateway/server.ts';
import type { CertificatePair, RunningTlsServer } from '../gateway/tls-server.ts';

/** `config.listen.gatewayTls`: where to listen and the PEM files to serve. */
export interface TlsListenConfig {
  readonly address: ListenAddress;
  readonly cert: string;
  readonly key: string;
}

const keyOf = (address: ListenAddress): string => `${address.host}:${address.port}`;

/**
 * The optional TLS listener across reloads: opened, moved, re-certified or closed to match the config.
 * Certificate files are read and checked as a pair first, so a bad file fails the reload before anything
 * changes; on an unchanged address only the secure context is swapped and no connection is dropped.
 */
export class TlsListener {
  readonly #start: (address: ListenAddress, pair: CertificatePair) => Promise<RunningTlsServer>;
  #running: { readonly key: string; readonly server: RunningTlsServer } | undefined;

  constructor(start: (address: ListenAddress, pair: CertificatePair) => Promise<RunningTlsServer>) {
    this.#start = start;
  }

  get url(): string | undefined {
    return this.#running?.server.url;
  }

  async sync(wanted: TlsListenConfig | undefined): Promise<void> {
    const previous = this.#running;
    if (!wanted) {
      this.#running = undefined;
      return previous?.server.close();
    }
    const pair = await readCertificatePair(wanted);
    const key = keyOf(wanted.address);
    if (previous?.key === key) return previous.server.setCertificate(pair);
    // A new address opens before the old one closes, as for the plain listeners.
    this.#running = { key, server: await this.#start(wanted.address, pair) };
    await previous?.server.close();
  }

  /** Same contract as Listeners.closeAll: stop accepting now, `cutOff()` ends the stragglers. */
  closeAll(): { readonly closed: Promise<void>; cutOff(): void } {
    const running = this.#running?.server;
    this.#running = undefined;
    return { closed: running?.close() ?? Promise.resolve(), cutOff: () => running?.closeAllConnections() };
  }
}

/** Reads `cert` and `key` and proves they form a usable pair (PEM parses, key matches certificate). */
export async function readCertificatePair(config: TlsListenConfig): Promise<CertificatePair> {
  const [cert, key] = await Promise.all([readPem(config.cert, 'cert'), readPem(config.key, 'key')]);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw certificateError(
      config.cert,
      'cert',
      `certificate and key do not form a usable pair: ${String(error)}`,
    );
  }
  return { cert, key };
}

async function readPem(path: string, field: 'cert' | 'key'): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw certificateError(
      path,
      field,
      `cannot read the file: ${(error as { code?: string }).code ?? String(error)}`,
    );
  }
}

function certificateError(file: string, field: 'cert' | 'key', message: string): ConfigError {
  return new ConfigError('CFG_INVALID', [
    { file, path: `listen.gateway_tls.${field}`, line: 0, column: 0, message },
  ]);
}
