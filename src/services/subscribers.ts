import { z } from 'zod';
import type { Subscriber } from '../status/status-store.ts';
import { mailboxOf } from '../status/subscribers/mailbox.ts';
import { ServiceError } from './service-error.ts';
import { parseInput, type StatusDeps } from './status-deps.ts';

/**
 * Subscribers: email addresses that asked for updates on the public page (double opt-in: nothing but the
 * confirmation is sent before its link is used), and email or webhook subscribers an operator adds through
 * the admin API in Statuspage's management shape (`{"subscriber": {...}}`), confirmed at once.
 */

/** Unconfirmed requests are forgotten after this long (the confirm link stops working). */
export const unconfirmedLifetimeMs = 48 * 3_600_000;
// A repeated request for the same inbox within this time sends no second mail, however the address is spelled
// (ada+1@, ADA@): the form must not become a way to flood someone's inbox.
const resendAfterMs = 10 * 60_000;
// Bounds what an anonymous visitor can make the store hold; at the bound the oldest request makes room.
export const maxUnconfirmed = 10_000;

/** What the public form admits (`status_page.subscribers.email.max_subscribers`). */
export interface SubscriptionLimits {
  /** Confirmed email subscribers at which the form takes no new ones. */
  readonly maxSubscribers: number;
}
export const defaultSubscriptionLimits: SubscriptionLimits = { maxSubscribers: 10_000 };

const email = z
  .string()
  .trim()
  .max(254, 'an email address has at most 254 characters')
  .pipe(z.email('expected an email address like ada@example.com'));
const componentIds = z.array(z.string()).max(500).optional();

const request = z.strictObject({ email, component_ids: componentIds });

const adminEnvelope = z.strictObject({
  subscriber: z.object({
    email: email.optional(),
    endpoint: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
    component_ids: componentIds,
  }),
});

/**
 * The public form: records an unconfirmed subscriber and owes it the confirmation mail. The answer is the
 * same whether the address is new, waiting or already confirmed, so the form reveals nobody's subscription:
 * the one refusal (the list is full) is decided before the address is looked up.
 */
export async function requestSubscription(
  deps: StatusDeps,
  input: unknown,
  limits: SubscriptionLimits = defaultSubscriptionLimits,
): Promise<void> {
  if (!deps.offersEmail())
    throw new ServiceError('SVC_NOT_FOUND', 'this status page does not offer email subscriptions');
  const f = parseInput(request, input, 'subscription');
  const ids = chosenComponents(deps, f.component_ids, 'component_ids');
  refuseWhenFull(deps, limits);
  const existing = byEmail(deps, f.email);
  const nowMs = deps.nowMs();
  if (existing && existing.confirmedAtMs !== null) return;
  const mailbox = mailboxOf(f.email);
  const isMailedRecently = unconfirmed(deps).some(
    (s) => nowMs - s.createdAtMs < resendAfterMs && mailboxOf(s.email ?? '') === mailbox,
  );
  if (isMailedRecently) return;
  if (!existing) await makeRoomForOne(deps);
  const subscriber: Subscriber = {
    id: existing?.id ?? deps.newId(),
    mode: 'email',
    email: f.email,
    endpoint: null,
    componentIds: ids,
    confirmedAtMs: null,
    token: existing?.token ?? deps.newToken(),
    createdAtMs: nowMs,
  };
  await deps.book.putSubscriber(subscriber);
  await deps.onChange({ kind: 'subscription-requested', subscriber });
}

/** The confirm link's POST: from now on the address receives updates. Using it twice is harmless. */
export async function confirmSubscription(
  deps: StatusDeps,
  token: string,
  limits: SubscriptionLimits = defaultSubscriptionLimits,
): Promise<Subscriber> {
  const subscriber = deps.book.subscriberByToken(token);
  if (!subscriber)
    throw new ServiceError(
      'SVC_NOT_FOUND',
      'this link is not valid any more: it may have expired after 48 hours, or the subscription was ended',
    );
  if (subscriber.confirmedAtMs !== null) return subscriber;
  // Else a catch-all mailbox confirming request after request would grow the list without bound.
  refuseWhenFull(deps, limits);
  const confirmed = { ...subscriber, confirmedAtMs: deps.nowMs() };
  await deps.book.putSubscriber(confirmed);
  return confirmed;
}

/** One-click unsubscribe (RFC 8058): ends the subscription; an unknown token is already unsubscribed. */
export async function unsubscribe(deps: StatusDeps, token: string): Promise<void> {
  const subscriber = deps.book.subscriberByToken(token);
  if (subscriber) await deps.book.deleteSubscriber(subscriber.id);
}

/** An operator adds a subscriber: `email` or `endpoint` (a webhook), for the whole page or some components. */
export async function addSubscriber(deps: StatusDeps, input: unknown): Promise<Subscriber> {
  const { subscriber: f } = parseInput(adminEnvelope, input, 'subscriber');
  if ((f.email === undefined) === (f.endpoint === undefined))
    throw new ServiceError('SVC_INVALID', 'give exactly one of email or endpoint', 'subscriber');
  if (f.email !== undefined && !deps.offersEmail())
    throw new ServiceError(
      'SVC_INVALID',
      'email subscribers need a mail relay: configure status_page.subscribers.email',
      'subscriber.email',
    );
  const ids = chosenComponents(deps, f.component_ids, 'subscriber.component_ids');
  if (f.email !== undefined && byEmail(deps, f.email)?.confirmedAtMs != null)
    throw new ServiceError('SVC_INVALID', `${f.email} is subscribed already`, 'subscriber.email');
  const nowMs = deps.nowMs();
  const subscriber: Subscriber = {
    id: (f.email !== undefined ? byEmail(deps, f.email)?.id : undefined) ?? deps.newId(),
    mode: f.email !== undefined ? 'email' : 'webhook',
    email: f.email ?? null,
    endpoint: f.endpoint ?? null,
    componentIds: ids,
    confirmedAtMs: nowMs,
    token: deps.newToken(),
    createdAtMs: nowMs,
  };
  await deps.book.putSubscriber(subscriber);
  return subscriber;
}

/** Newest first. */
export function listSubscribers(deps: StatusDeps): Subscriber[] {
  return deps.book.subscribers().sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : -1));
}

export async function removeSubscriber(deps: StatusDeps, id: string): Promise<void> {
  if (!deps.book.subscribers().some((s) => s.id === id))
    throw new ServiceError('SVC_NOT_FOUND', `no subscriber with id "${id}"`);
  await deps.book.deleteSubscriber(id);
}

/** Forgets requests never confirmed within unconfirmedLifetimeMs; returns how many. */
export async function expireUnconfirmed(deps: StatusDeps): Promise<number> {
  const cutoffMs = deps.nowMs() - unconfirmedLifetimeMs;
  const stale = unconfirmed(deps).filter((s) => s.createdAtMs < cutoffMs);
  for (const s of stale) await deps.book.deleteSubscriber(s.id);
  return stale.length;
}

/** null: the whole page. Every id must name a component (a group stands for its children). */
function chosenComponents(
  deps: StatusDeps,
  ids: readonly string[] | undefined,
  field: string,
): string[] | null {
  if (ids === undefined || ids.length === 0) return null;
  const known = deps.components().map((c) => c.def.id);
  ids.forEach((id, i) => {
    if (!known.includes(id))
      throw new ServiceError(
        'SVC_INVALID',
        `no component "${id}"; expected one of ${known.join(', ')}`,
        `${field}.${i}`,
      );
  });
  return [...new Set(ids)];
}

/** How full the public list is, for the host's log. */
export function subscriptionCounts(deps: StatusDeps): { confirmed: number; unconfirmed: number } {
  return { confirmed: confirmedEmail(deps).length, unconfirmed: unconfirmed(deps).length };
}

function refuseWhenFull(deps: StatusDeps, limits: SubscriptionLimits): void {
  if (confirmedEmail(deps).length >= limits.maxSubscribers)
    throw new ServiceError('SVC_BUSY', 'this status page takes no new subscribers at the moment');
}

// Dropping the oldest rather than refusing the newest: a flood then pushes out its own requests, instead of
// closing the form to everyone until its requests expire.
async function makeRoomForOne(deps: StatusDeps): Promise<void> {
  const waiting = unconfirmed(deps).sort((a, b) => a.createdAtMs - b.createdAtMs);
  for (const s of waiting.slice(0, Math.max(0, waiting.length - maxUnconfirmed + 1)))
    await deps.book.deleteSubscriber(s.id);
}

const byEmail = (deps: StatusDeps, address: string): Subscriber | undefined =>
  deps.book.subscribers().find((s) => s.email !== null && s.email.toLowerCase() === address.toLowerCase());

const unconfirmed = (deps: StatusDeps): Subscriber[] =>
  deps.book.subscribers().filter((s) => s.mode === 'email' && s.confirmedAtMs === null);

const confirmedEmail = (deps: StatusDeps): Subscriber[] =>
  deps.book.subscribers().filter((s) => s.mode === 'email' && s.confirmedAtMs !== null);
