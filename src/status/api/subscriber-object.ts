import type { Subscriber } from '../status-store.ts';

/**
 * A subscriber as the admin API shows it, in the fields of Statuspage's management API (`mode`, `email`,
 * `endpoint`, `components`: ids, or null for the whole page). The link secret is never shown: it is the
 * subscriber's, to confirm and to leave.
 */
export function subscriberObject(subscriber: Subscriber): object {
  return {
    id: subscriber.id,
    mode: subscriber.mode,
    email: subscriber.email,
    endpoint: subscriber.endpoint,
    components: subscriber.componentIds,
    confirmed_at: isoOrNull(subscriber.confirmedAtMs),
    quarantined_at: null,
    created_at: new Date(subscriber.createdAtMs).toISOString(),
  };
}

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
