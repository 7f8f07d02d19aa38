import type { Ack, AckStore } from '../alerting/alert-store.ts';
import type { Alert } from '../alerting/alert.ts';
import { ServiceError } from './service-error.ts';

export interface AckDeps {
  readonly store: AckStore;
  readonly nowMs: () => number;
  /** The firing alert with this fingerprint, if any. */
  readonly alert: (fingerprint: string) => Alert | undefined;
  readonly onChange: () => Promise<void>;
}

/**
 * Acknowledges a firing alert: reminders for it stop until its state changes. The ack covers this firing
 * episode only; if the alert resolves and fires again, people hear about it again.
 */
export async function acknowledgeAlert(deps: AckDeps, fingerprint: string, input: unknown): Promise<Ack> {
  const alert = deps.alert(fingerprint);
  if (!alert) throw new ServiceError('SVC_NOT_FOUND', `no firing alert with fingerprint "${fingerprint}"`);
  const by = typeof input === 'object' && input !== null && 'by' in input ? input.by : undefined;
  if (by !== undefined && (typeof by !== 'string' || by.trim() === '' || by.length > 200))
    throw new ServiceError('SVC_INVALID', 'by must be a non-empty name of at most 200 characters', 'by');
  const ack: Ack = {
    fingerprint,
    episodeStartMs: alert.startsAtMs,
    by: by?.trim() ?? 'admin',
    atMs: deps.nowMs(),
    labels: alert.labels,
  };
  await deps.store.putAck(ack);
  await deps.onChange();
  return ack;
}
