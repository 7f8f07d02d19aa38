import type { Clock } from '../core/clock.ts';
import type { Logger } from '../observability/index.ts';
import type { Site } from '../status/site.ts';
import { SiteBuilder } from '../status/site-builder.ts';
import type { StatusView } from '../status/view.ts';
import { writeSiteTo } from './status-export.ts';

export interface StatusPublisherOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** The page as it is now. */
  readonly view: () => StatusView;
  /** status_page.export_dir, read at each publish: a reload may set or move it. */
  readonly exportDir: () => string | undefined;
}

// Monitor state changes arrive one by one; a burst (a pool going down) is folded into one rebuild.
const rebuildDelayMs = 100;

/**
 * The status host's output: renders the site from the current view off the event loop the gateway shares
 * (SiteBuilder, ADR 9), holds the site being served and the view it came from, folds bursts of changes into
 * one rebuild, and writes each new site to export_dir.
 */
export class StatusPublisher {
  readonly #options: StatusPublisherOptions;
  readonly #builder: SiteBuilder;
  /** Undefined only until the first publish, which the host awaits before its listener opens. */
  #site: Site | undefined;
  #servedView: StatusView;
  #rebuildTimer: (() => void) | undefined;
  #exporting: Promise<void> = Promise.resolve();

  constructor(options: StatusPublisherOptions) {
    this.#options = options;
    this.#servedView = options.view();
    this.#builder = new SiteBuilder({
      onWorkerFailed: (error, isLastTry) =>
        options.logger.warn(
          { event: 'status-site-worker-failed', err: error },
          isLastTry
            ? 'the status page worker failed three times in a row: the page is rendered on the main thread from now on'
            : 'the status page was rendered on the main thread, as its worker failed',
        ),
    });
  }

  site(): Site {
    if (!this.#site) throw new Error('the status site is built when the host starts');
    return this.#site;
  }

  /** The view the served site was rendered from (pages made per request reuse it rather than build one). */
  servedView(): StatusView {
    return this.#servedView;
  }

  /** Publishes a little later, once for however many changes arrive meanwhile. */
  schedule(): void {
    if (this.#rebuildTimer) return;
    this.#rebuildTimer = this.#options.clock.setTimer(rebuildDelayMs, () => {
      this.#rebuildTimer = undefined;
      this.publish().catch((error: unknown) =>
        this.#options.logger.error(
          { event: 'status-rebuild-failed', err: error },
          'the status page could not be rendered; the previous one is still served',
        ),
      );
    });
  }

  /** Renders the page as it is now and serves it once rendered; a scheduled publish is no longer needed. */
  async publish(): Promise<void> {
    this.#rebuildTimer?.();
    this.#rebuildTimer = undefined;
    const { view, site } = await this.#builder.build(this.#options.view());
    // Builds asked for while one ran are folded into one: its callers all get the same site.
    if (site === this.#site) return;
    this.#servedView = view;
    this.#site = site;
    const dir = this.#options.exportDir();
    if (dir === undefined) return;
    this.#exporting = this.#exporting
      .then(async () => {
        await writeSiteTo(site, dir);
      })
      .catch((error: unknown) =>
        this.#options.logger.error(
          { event: 'status-export-failed', err: error, dir },
          'the static status page could not be written',
        ),
      );
  }

  /** Cancels a scheduled publish, waits for the one running and its export, and ends the worker. */
  async close(): Promise<void> {
    this.#rebuildTimer?.();
    this.#rebuildTimer = undefined;
    await this.#builder.close();
    await this.#exporting;
  }
}
