import type { StatusApi } from '../admin/http/status-routes.ts';
import type { Alert, Labels } from '../alerting/alert.ts';
import type { ReceiverTarget } from '../alerting/dispatcher.ts';
import { DeliveryError } from '../alerting/notifiers/notifier.ts';
import { statusReceiverPrefix } from '../status/subscribers/messages.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import { ServiceError } from '../services/index.ts';
import {
  createIncident,
  deleteIncident,
  findIncident,
  listIncidents,
  publishIncident,
  updateIncident,
} from '../services/incidents.ts';
import {
  cancelMaintenance,
  listMaintenances,
  scheduleMaintenance,
  updateMaintenance,
} from '../services/maintenances.ts';
import { overrideComponent } from '../services/component-overrides.ts';
import { addSubscriber, listSubscribers, removeSubscriber } from '../services/subscribers.ts';
import { subscriberObject } from '../status/api/subscriber-object.ts';
import { componentObject, incidentObject, maintenanceObject } from '../status/api/statuspage-v2-objects.ts';
import { summaryDocument } from '../status/api/statuspage-v2.ts';
import type { Incident } from '../status/model.ts';
import type { StatusView } from '../status/view.ts';
import { StatusHost, type StatusHostOptions } from './status-host.ts';
import type { PreparedStatusListener } from './status-listener.ts';
import { subscribeRoutes } from './status-subscribe-routes.ts';

/**
 * The status page for a control plane: started when the config has `status_page` (and by the reload that adds
 * it). `api` is what the admin listener serves; without a page it answers 404 naming the missing section.
 */
export class StatusSupervisor {
  readonly #options: StatusHostOptions;
  #host: StatusHost | undefined;
  #starting: Promise<void> | undefined;

  constructor(logger: Logger, deps: Omit<StatusHostOptions, 'logger'>) {
    this.#options = { logger, dynamic: subscribeRoutes, ...deps };
  }

  get host(): StatusHost | undefined {
    return this.#host;
  }

  /** Binds a moved listen.status before a reload changes anything else (StatusHost.prepareListener). */
  async prepare(config: Config): Promise<PreparedStatusListener | undefined> {
    return this.#host?.prepareListener(config);
  }

  /** Start or reload; `prepared` is prepare's answer for this config. */
  async apply(config: Config, prepared?: PreparedStatusListener): Promise<void> {
    if (this.#host) return this.#host.apply(config, prepared);
    if (!config.statusPage) return;
    this.#starting ??= StatusHost.start(config, this.#options).then(
      (host) => {
        this.#host = host;
      },
      (error: unknown) => {
        // The reload that asked fails; the next one tries again rather than inherit this failure.
        this.#starting = undefined;
        throw error;
      },
    );
    await this.#starting;
  }

  monitorChanged(): void {
    this.#host?.monitorChanged();
  }

  alertChanged(alert: Alert): void {
    this.#host?.alertChanged(alert);
  }

  maintenanceOf(labels: Labels): string | undefined {
    return this.#host?.maintenanceOf(labels);
  }

  /**
   * The outbox's sender for a `status:` receiver. Until the page runs (alerting starts first, and may find
   * messages queued before a restart) such a send fails as retryable, so it waits rather than dead-letters.
   */
  subscriberTarget(receiver: string): ReceiverTarget | undefined {
    if (this.#host) return this.#host.subscriberTarget(receiver);
    if (!receiver.startsWith(statusReceiverPrefix)) return undefined;
    return {
      send: () =>
        Promise.reject(new DeliveryError('the status page is not running yet', { isRetryable: true })),
    };
  }

  async stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    await this.#host?.stop();
  }

  readonly api: StatusApi = {
    incidents: (includeDrafts) => {
      const host = this.#running();
      const view = host.view();
      return listIncidents(host.deps, { includeDrafts, limit: 1_000 }).map((i) => this.#incident(i, view));
    },
    incident: (id) => this.#incident(findIncident(this.#running().deps, id)),
    createIncident: async (body) => this.#incident(await this.#serially((h) => createIncident(h.deps, body))),
    updateIncident: async (id, body) =>
      this.#incident(await this.#serially((h) => updateIncident(h.deps, id, body))),
    publishIncident: async (id) => this.#incident(await this.#serially((h) => publishIncident(h.deps, id))),
    deleteIncident: (id) => this.#serially((h) => deleteIncident(h.deps, id)),
    maintenances: () => {
      const view = this.#view();
      return listMaintenances(this.#running().deps, 1_000).map((m) => maintenanceObject(m, view));
    },
    scheduleMaintenance: async (body) =>
      maintenanceObject(await this.#serially((h) => scheduleMaintenance(h.deps, body)), this.#view()),
    updateMaintenance: async (id, body) =>
      maintenanceObject(await this.#serially((h) => updateMaintenance(h.deps, id, body)), this.#view()),
    cancelMaintenance: async (id) => {
      const left = await this.#serially((h) => cancelMaintenance(h.deps, id));
      return left && maintenanceObject(left, this.#view());
    },
    components: () => {
      const view = this.#view();
      return view.components.map((c) => componentObject(c, view.page));
    },
    overrideComponent: async (id, body) => {
      await this.#serially((h) => overrideComponent(h.deps, id, body));
      const view = this.#view();
      const component = view.components.find((c) => c.id === id);
      return component ? componentObject(component, view.page) : {};
    },
    subscribers: () => listSubscribers(this.#running().deps).map(subscriberObject),
    addSubscriber: async (body) => subscriberObject(await this.#serially((h) => addSubscriber(h.deps, body))),
    removeSubscriber: (id) => this.#serially((h) => removeSubscriber(h.deps, id)),
    summary: () => summaryDocument(this.#view()),
    files: () =>
      [...this.#running().site().files].map(([path, r]) => ({
        path,
        contentType: r.contentType,
        body: r.body.toString('base64'),
      })),
  };

  #running(): StatusHost {
    if (this.#host) return this.#host;
    // The admin listener opens before the status page has started; until then a caller should retry.
    if (this.#starting) throw new ServiceError('SVC_BUSY', 'the status page is starting; try again shortly');
    throw new ServiceError(
      'SVC_NOT_FOUND',
      'the status page is not running: add a status_page section to the config',
    );
  }

  /** Verbs run one at a time with the host's own changes (maintenance moves, drafts). */
  #serially<T>(run: (host: StatusHost) => Promise<T>): Promise<T> {
    const host = this.#running();
    return host.serially(() => run(host));
  }

  /** Built afresh (every component, 90 days each): once per API call, not once per object it returns. */
  #view(): StatusView {
    return this.#running().view();
  }

  /** The v2 object, plus `draft` (the admin API lists drafts; the public API never shows them). */
  #incident(incident: Incident, view = this.#view()): object {
    return { ...incidentObject(incident, view), draft: incident.isDraft };
  }
}
