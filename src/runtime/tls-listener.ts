import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { ConfigError } from '../config/config-error.ts';
import { bindError } from './bind-error.ts';
import type { ListenAddress } from '../gateway/server.ts';
import type { CertificatePair, RunningTlsServer } from '../gateway/tls-server.ts';
import type { ListenerChange } from './listeners.ts';
import { closeNow, type ServedListener } from './served-listener.ts';

/** `config.listen.gatewayTls`: where to listen and the PEM files to serve. */
export interface TlsListenConfig {
  readonly address: ListenAddress;
  readonly cert: string;
  readonly key: string;
}

const nothingToUndo = (): Promise<void> => Promise.resolve();

const keyOf = (address: ListenAddress): string => `${address.host}:${address.port}`;

interface RunningTls {
  readonly key: string;
  readonly address: ListenAddress;
  readonly listener: ServedListener<RunningTlsServer>;
}

/**
 * The optional TLS listener across reloads: opened, moved, re-certified or closed to match the config.
 * Certificate files are read and checked as a pair first, so a bad file fails the reload before anything
 * changes; on an unchanged address only the secure context is swapped and no connection is dropped.
 */
export class TlsListener {
  readonly #start: (
    address: ListenAddress,
    pair: CertificatePair,
  ) => Promise<ServedListener<RunningTlsServer>>;
  #running: RunningTls | undefined;

  constructor(
    start: (address: ListenAddress, pair: CertificatePair) => Promise<ServedListener<RunningTlsServer>>,
  ) {
    this.#start = start;
  }

  get url(): string | undefined {
    return this.#running?.listener.url;
  }

  /** Reads and checks the certificate pair, then binds a new address; nothing live changes until commit. */
  async prepare(wanted: TlsListenConfig | undefined): Promise<ListenerChange> {
    const previous = this.#running;
    const retired = previous ? [previous.listener] : [];
    if (!wanted) return { commit: () => this.#replace(undefined, retired), abort: nothingToUndo };
    const pair = await readCertificatePair(wanted);
    const key = keyOf(wanted.address);
    if (previous?.key === key) {
      const commit = (): ServedListener[] => {
        previous.listener.started.setCertificate(pair);
        return [];
      };
      return { commit, abort: nothingToUndo };
    }
    const listener = await this.#start(wanted.address, pair).catch((error: unknown) => {
      const { port } = wanted.address;
      const heldBy = port !== 0 && previous?.address.port === port ? previous.address : undefined;
      throw bindError('listen.gateway_tls.address', wanted.address, error, heldBy);
    });
    return {
      commit: () => this.#replace({ key, address: wanted.address, listener }, retired),
      abort: () => closeNow([listener]),
    };
  }

  /** Hands the listener over to the caller (the stop), which closes it. */
  takeAll(): ServedListener[] {
    return this.#replace(undefined, this.#running ? [this.#running.listener] : []);
  }

  #replace(next: RunningTls | undefined, retired: ServedListener[]): ServedListener[] {
    this.#running = next;
    return retired;
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
