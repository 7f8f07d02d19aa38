import { Worker } from 'node:worker_threads';
import { buildSite, type Resource, type Site } from './site.ts';
import { wireViewOf, type HistoriesSent, type WireView } from './site-wire.ts';
import type { StatusView } from './view.ts';

/** A site and the view it was rendered from. */
export interface BuiltSite {
  readonly view: StatusView;
  readonly site: Site;
}

export interface SiteRequest {
  readonly id: number;
  readonly view: WireView;
}

/** A resource as it crosses threads: a Buffer arrives as a plain Uint8Array. */
export interface WireResource extends Omit<Resource, 'body' | 'gzip'> {
  readonly body: Uint8Array;
  readonly gzip: Uint8Array | undefined;
}

export type SiteReply =
  | {
      readonly id: number;
      /** Every path of the new site, in order; those not in `changed` keep the previous site's resource. */
      readonly paths: readonly string[];
      readonly changed: readonly (readonly [string, WireResource])[];
      /** Absent when unchanged. */
      readonly notFound: WireResource | undefined;
    }
  | { readonly id: number; readonly error: string };

export interface SiteBuilderOptions {
  /**
   * The worker build failed; this build runs on the caller's thread. The next starts a new worker, unless this
   * was the last try (`isLastTry`): then every build from now on runs on the caller's thread.
   */
  readonly onWorkerFailed: (error: Error, isLastTry: boolean) => void;
  /** The worker's script; tests swap in one that fails. */
  readonly workerUrl?: URL | undefined;
}

interface Queued {
  view: StatusView;
  readonly built: Promise<BuiltSite>;
}

const defaultWorkerUrl = new URL('./site-worker.ts', import.meta.url);
// A worker that cannot start or keeps dying is not tried for ever: each try costs a thread start and a warning.
const maxWorkerFailuresInARow = 3;

/**
 * Renders the status site on a worker thread (ADR 9). In one process the status page shares its event loop
 * with the gateway, and a rebuild after a change (Markdown, HTML, gzip for every page) blocked it for about
 * 50 ms with 30 incidents and half a second with 1,000; here the loop pays only for copying the view out and
 * the new files in. Builds run one at a time; views handed in while one runs are folded into one next build
 * of the latest. If the worker fails, the build runs here instead, as it did before, and the next one starts
 * a new worker; after three such failures in a row, every build runs here.
 */
export class SiteBuilder {
  readonly #options: SiteBuilderOptions;
  #worker: Worker | undefined;
  /** The site the worker's last build corresponds to: its reply says only what changed since. */
  #site: Site | undefined;
  /** The components' histories the worker holds: a view posted to it leaves out those unchanged. */
  #historiesSent: HistoriesSent = new Map();
  #nextId = 1;
  /** Worker builds that failed where the same view then rendered here, since the last that succeeded. */
  #workerFailuresInARow = 0;
  #reply: { id: number; settle: (reply: SiteReply | Error) => void } | undefined;
  #running: Promise<unknown> = Promise.resolve();
  /** The next build, not yet begun: a later view replaces its own. */
  #queued: Queued | undefined;

  constructor(options: SiteBuilderOptions) {
    this.#options = options;
  }

  /** Resolves with a site built from this view or a later one. */
  build(view: StatusView): Promise<BuiltSite> {
    if (this.#queued) {
      this.#queued.view = view;
      return this.#queued.built;
    }
    const queued: Queued = {
      view,
      built: this.#running.then((): Promise<BuiltSite> => {
        this.#queued = undefined;
        return this.#buildNow(queued.view);
      }),
    };
    this.#queued = queued;
    this.#running = queued.built.catch(() => undefined);
    return queued.built;
  }

  /** Waits for the builds asked for, then ends the worker. */
  async close(): Promise<void> {
    await this.#running;
    await this.#worker?.terminate();
    this.#worker = undefined;
  }

  async #buildNow(view: StatusView): Promise<BuiltSite> {
    if (this.#workerFailuresInARow >= maxWorkerFailuresInARow) {
      this.#site = buildSite(view, this.#site);
      return { view, site: this.#site };
    }
    try {
      const reply = await this.#ask(view);
      if ('error' in reply) throw new Error(`the status site worker failed: ${reply.error}`);
      this.#site = this.#merge(reply);
      this.#workerFailuresInARow = 0;
    } catch (error) {
      this.#discardWorker();
      // If this throws too, the view is at fault, not the worker: the caller hears of it, and nothing is counted.
      this.#site = buildSite(view, this.#site);
      this.#workerFailuresInARow++;
      this.#options.onWorkerFailed(
        error instanceof Error ? error : new Error(String(error)),
        this.#workerFailuresInARow >= maxWorkerFailuresInARow,
      );
    }
    return { view, site: this.#site };
  }

  #ask(view: StatusView): Promise<SiteReply> {
    const worker = (this.#worker ??= this.#startWorker());
    const id = this.#nextId++;
    const { wire, sent } = wireViewOf(view, this.#historiesSent);
    this.#historiesSent = sent;
    return new Promise((resolve, reject) => {
      this.#reply = {
        id,
        settle: (reply) => {
          this.#reply = undefined;
          if (reply instanceof Error) reject(reply);
          else resolve(reply);
        },
      };
      worker.postMessage({ id, view: wire } satisfies SiteRequest);
    });
  }

  #startWorker(): Worker {
    const worker = new Worker(this.#options.workerUrl ?? defaultWorkerUrl, { name: 'status-site' });
    // It knows nothing yet: its first view carries every history.
    this.#historiesSent = new Map();
    // The host's listeners keep the process alive, and it ends the worker when it stops.
    worker.unref();
    // A discarded worker may still report its end; only the current one answers the build waiting.
    const settle = (reply: SiteReply | Error) => {
      if (this.#worker === worker && (reply instanceof Error || reply.id === this.#reply?.id))
        this.#reply?.settle(reply);
    };
    worker.on('message', settle);
    worker.on('error', settle);
    worker.on('exit', (code) => settle(new Error(`the status site worker exited (${code})`)));
    return worker;
  }

  #discardWorker(): void {
    // Whatever it remembers may no longer match this.#site: a new worker starts from nothing.
    void this.#worker?.terminate();
    this.#worker = undefined;
  }

  #merge(reply: Extract<SiteReply, { paths: readonly string[] }>): Site {
    const changed = new Map(reply.changed);
    const files = new Map<string, Resource>();
    for (const path of reply.paths) {
      const wire = changed.get(path);
      const resource = wire ? resourceOf(wire) : this.#site?.files.get(path);
      if (!resource) throw new Error(`the status site worker sent no resource for ${path}`);
      files.set(path, resource);
    }
    const notFound = reply.notFound ? resourceOf(reply.notFound) : this.#site?.notFound;
    if (!notFound) throw new Error('the status site worker sent no not-found page');
    return { files, notFound };
  }
}

function resourceOf(wire: WireResource): Resource {
  return { ...wire, body: bufferOf(wire.body), gzip: wire.gzip && bufferOf(wire.gzip) };
}

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
