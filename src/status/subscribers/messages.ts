import { componentUpdatePayload, incidentPayload, maintenancePayload } from '../api/subscriber-payloads.ts';
import type { ComponentDef } from '../model.ts';
import type { Subscriber } from '../status-store.ts';
import type { StatusView } from '../view.ts';
import { audienceOf } from './audience.ts';
import { confirmationMail, noticeMail } from './email-content.ts';
import { componentsOf, type Notice } from './notices.ts';

/** Every receiver of the status page's messages starts so (configured notifier names cannot hold a colon). */
export const statusReceiverPrefix = 'status:';
/** The outbox receiver that sends incident and maintenance mail, one at a time, through the configured relay. */
export const emailReceiver = 'status:email';
/**
 * Confirmation mails have a receiver of their own, so the dispatcher sends them in a lane apart: a backlog
 * of them (a flood of sign-ups) never stands between an incident and the people subscribed to it.
 */
export const confirmationReceiver = 'status:confirm';
// Confirmations share this many outbox groups. The dispatcher reads a batch of the oldest group heads; with
// a group per mail a backlog would fill every batch and keep newer incident mail from being read at all.
// More than one, so a mail the relay keeps deferring (a 4xx) holds up only its own share.
const confirmationGroupCount = 4;
/** Each webhook subscriber is its own receiver: one slow endpoint holds up no one else. */
export const webhookReceiverPrefix = 'status:webhook:';

export type SubscriberContent =
  | {
      readonly channel: 'email';
      readonly subscriberId: string;
      readonly to: string;
      readonly subject: string;
      readonly text: string;
      readonly html: string;
      /** Mails with the same key form one thread (an incident's updates). */
      readonly threadKey: string;
      /** Sent as List-Unsubscribe with RFC 8058's one-click POST; null for the confirmation mail. */
      readonly unsubscribeUrl: string | null;
    }
  | {
      readonly channel: 'webhook';
      readonly subscriberId: string;
      readonly url: string;
      /** Statuspage's subscriber payload. */
      readonly body: unknown;
    };

/**
 * One message to one subscriber, composed once and then carried by the alerting outbox (durable, retried,
 * dead-lettered after max_delivery_age) exactly as it was composed. The id is stable per subscriber and
 * event, so composing again after a crash replays rather than repeats.
 */
export interface SubscriberMessage {
  readonly id: string;
  readonly receiver: string;
  readonly groupKey: string;
  readonly createdAtMs: number;
  readonly summary: string;
  readonly content: SubscriberContent;
}

const confirmUrlOf = (view: StatusView, token: string): string =>
  `${view.page.url}/subscribe/confirm?token=${encodeURIComponent(token)}`;
const unsubscribeUrlOf = (view: StatusView, token: string): string =>
  `${view.page.url}/unsubscribe?token=${encodeURIComponent(token)}`;

/**
 * Every message a notice owes: incident and maintenance updates to the email and webhook subscribers they
 * concern; component changes to webhook subscribers only (as Statuspage sends them), since a mail per flap
 * would bury the incident mails.
 */
export function noticeMessages(
  view: StatusView,
  defs: readonly ComponentDef[],
  subscribers: readonly Subscriber[],
  notice: Notice,
): SubscriberMessage[] {
  const audience = audienceOf(subscribers, defs, componentsOf(notice));
  return audience.flatMap((subscriber) => {
    const message = messageFor(view, defs, subscriber, notice);
    return message === undefined ? [] : [message];
  });
}

function messageFor(
  view: StatusView,
  defs: readonly ComponentDef[],
  subscriber: Subscriber,
  notice: Notice,
): SubscriberMessage | undefined {
  const unsubscribeUrl = unsubscribeUrlOf(view, subscriber.token);
  if (notice.kind === 'component') {
    if (subscriber.endpoint === null) return undefined;
    const component = view.components.find((c) => c.id === notice.componentId);
    if (!component) return undefined;
    const changeId = `${notice.componentId}-${notice.atMs.toString(36)}`;
    const body = componentUpdatePayload({ view, component, ...notice, updateId: changeId, unsubscribeUrl });
    return webhookMessage(subscriber, subscriber.endpoint, {
      eventId: changeId,
      groupKey: `component:${notice.componentId}`,
      createdAtMs: notice.atMs,
      summary: `component ${component.name}: ${notice.oldStatus} → ${notice.newStatus}`,
      body,
    });
  }
  const event = notice.kind === 'incident' ? notice.incident : notice.maintenance;
  const summary = `${notice.kind} ${notice.phase}: ${event.name}`;
  const common = {
    eventId: notice.update.id,
    groupKey: `${notice.kind}:${event.id}`,
    createdAtMs: notice.update.createdAtMs,
    summary,
  };
  if (subscriber.endpoint !== null) {
    const body =
      notice.kind === 'incident'
        ? incidentPayload({ view, incident: notice.incident, unsubscribeUrl })
        : maintenancePayload({ view, maintenance: notice.maintenance, unsubscribeUrl });
    return body === null ? undefined : webhookMessage(subscriber, subscriber.endpoint, { ...common, body });
  }
  if (subscriber.email === null) return undefined;
  const mail = noticeMail(view.page, notice, {
    scope: scopeOf(defs, subscriber.componentIds),
    unsubscribeUrl,
  });
  return {
    id: `${subscriber.id}.${common.eventId}`,
    receiver: emailReceiver,
    groupKey: `${subscriber.id}:${common.groupKey}`,
    createdAtMs: common.createdAtMs,
    summary,
    content: {
      channel: 'email',
      subscriberId: subscriber.id,
      to: subscriber.email,
      ...mail,
      threadKey: `${view.page.id}:${common.groupKey}`,
      unsubscribeUrl,
    },
  };
}

/** The double opt-in mail to a new email subscriber. */
export function confirmationMessage(
  view: StatusView,
  defs: readonly ComponentDef[],
  subscriber: Subscriber,
): SubscriberMessage | undefined {
  if (subscriber.email === null) return undefined;
  const mail = confirmationMail(
    view.page,
    scopeOf(defs, subscriber.componentIds),
    confirmUrlOf(view, subscriber.token),
  );
  return {
    // A new request (a re-subscribe after the last one lapsed) is a new mail, hence its time in the id.
    id: `${subscriber.id}.confirm-${subscriber.createdAtMs.toString(36)}`,
    receiver: confirmationReceiver,
    groupKey: `confirm:${confirmationGroupOf(subscriber.id)}`,
    createdAtMs: subscriber.createdAtMs,
    summary: 'subscription confirmation',
    content: {
      channel: 'email',
      subscriberId: subscriber.id,
      to: subscriber.email,
      ...mail,
      threadKey: `${view.page.id}:confirm:${subscriber.id}`,
      unsubscribeUrl: null,
    },
  };
}

function webhookMessage(
  subscriber: Subscriber,
  url: string,
  m: { eventId: string; groupKey: string; createdAtMs: number; summary: string; body: unknown },
): SubscriberMessage {
  return {
    id: `${subscriber.id}.${m.eventId}`,
    receiver: `${webhookReceiverPrefix}${subscriber.id}`,
    groupKey: m.groupKey,
    createdAtMs: m.createdAtMs,
    summary: m.summary,
    content: { channel: 'webhook', subscriberId: subscriber.id, url, body: m.body },
  };
}

/** "all components", or the names chosen: what the recipient signed up for, in their words. */
function scopeOf(defs: readonly ComponentDef[], componentIds: readonly string[] | null): string {
  if (componentIds === null) return 'all components';
  const names = defs.filter((d) => componentIds.includes(d.id)).map((d) => d.name);
  return names.length === 0 ? 'all components' : names.join(', ');
}

function confirmationGroupOf(subscriberId: string): number {
  let sum = 0;
  for (const char of subscriberId) sum = (sum * 31 + char.charCodeAt(0)) % 65_521;
  return sum % confirmationGroupCount;
}
