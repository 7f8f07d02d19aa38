import type { ComponentStatus, Incident, Maintenance, TimelineUpdate } from './model.ts';
import type { Subscriber } from './status-store.ts';

/**
 * What changed on the page, reported by the verbs and the host's own transitions: the host rebuilds the page
 * and tells subscribers. `update` is the timeline entry the change added, if any.
 */
export type StatusEvent =
  | {
      readonly kind: 'incident';
      readonly incident: Incident;
      readonly update: TimelineUpdate | undefined;
      readonly isNew: boolean;
    }
  | {
      readonly kind: 'maintenance';
      readonly maintenance: Maintenance;
      readonly update: TimelineUpdate | undefined;
      readonly isNew: boolean;
    }
  | {
      readonly kind: 'component';
      readonly componentId: string;
      readonly oldStatus: ComponentStatus;
      readonly newStatus: ComponentStatus;
      readonly atMs: number;
    }
  | { readonly kind: 'deleted' }
  /** Someone asked for email updates: the confirmation mail is owed (the page itself does not change). */
  | { readonly kind: 'subscription-requested'; readonly subscriber: Subscriber };
