import type { z } from 'zod';
import type { Notification } from '../notification.ts';

/** What a notifier may use besides its config: injected, so tests and the outbox control time and transport. */
export interface NotifierIo {
  /** Wall-clock epoch ms (Standard Webhooks timestamps, Retry-After dates). */
  readonly nowMs: () => number;
  /** Aborts the send when its deadline passes or Bulwark stops. */
  readonly signal: AbortSignal;
}

/**
 * One channel (Slack, PagerDuty, email, …). `config` is the zod schema of its `notifiers.NAME` entry, with
 * `type` as a literal so the registry forms a discriminated union. `send` resolves when the service accepted
 * the message and rejects with a DeliveryError otherwise; it never logs, and nothing it throws contains a
 * secret (webhook URLs, keys, passwords).
 */
export interface Notifier<C extends { readonly type: string }> {
  readonly kind: C['type'];
  readonly config: z.ZodType<C, unknown>;
  /** Alertmanager's per-channel default for `send_resolved` (email and Slack false, the rest true). */
  readonly sendsResolvedByDefault: boolean;
  /** The service's documented pace (Slack: 1 message/s); the outbox spaces sends to one notifier by it. */
  readonly minIntervalMs?: number;
  send(notification: Notification, config: C, io: NotifierIo): Promise<void>;
}

/**
 * A failed delivery. `isRetryable` for network errors, timeouts, 429 and 5xx; a 4xx other than 429 means the
 * message or the config is wrong and retrying will not help. `retryAfterMs` carries the service's own advice.
 */
export class DeliveryError extends Error {
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  constructor(
    message: string,
    details: { isRetryable: boolean; retryAfterMs?: number | undefined; status?: number | undefined },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DeliveryError';
    this.isRetryable = details.isRetryable;
    this.retryAfterMs = details.retryAfterMs;
    this.status = details.status;
  }
}
