import { createHash } from 'node:crypto';
import type { ReceiverTarget } from '../alerting/dispatcher.ts';
import { isPrepared, type OutboxMessage, type PreparedMessage } from '../alerting/notification.ts';
import { sendMail, type SmtpSettings } from '../alerting/notifiers/email.ts';
import { postToService } from '../alerting/notifiers/http-post.ts';
import { DeliveryError, type NotifierIo } from '../alerting/notifiers/notifier.ts';
import type { Logger } from '../observability/index.ts';
import { expireUnconfirmed, maxUnconfirmed, subscriptionCounts } from '../services/subscribers.ts';
import type { StatusEvent } from '../status/events.ts';
import type { ComponentStatus } from '../status/model.ts';
import {
  confirmationMessage,
  confirmationReceiver,
  emailReceiver,
  noticeMessages,
  webhookReceiverPrefix,
  type SubscriberContent,
  type SubscriberMessage,
} from '../status/subscribers/messages.ts';
import { noticeOf, type Notice } from '../status/subscribers/notices.ts';
import type { StatusHost } from './status-host.ts';

/** Where subscriber messages are queued: the alerting outbox (undefined while it is not open). */
export interface SubscriberOutbox {
  enqueue(messages: readonly PreparedMessage[]): Promise<void>;
}

export interface SubscriberEffects {
  readonly outbox: () => SubscriberOutbox | undefined;
  readonly logger: Logger;
}

/**
 * Tells subscribers: turns the page's events into messages (confirmation mails, incident and maintenance
 * updates, component changes for webhooks) and queues them durably before the change is acknowledged; and
 * sends them when the outbox hands them back (the `status:` receivers).
 */
export class SubscriberNotifier {
  readonly #host: StatusHost;
  readonly #effects: SubscriberEffects;
  #isFull = false;
  #isWaitingFull = false;

  constructor(host: StatusHost, effects: SubscriberEffects) {
    this.#host = host;
    this.#effects = effects;
  }

  /** After a verb's or a transition's change: whatever subscribers are owed is in the outbox on return. */
  async eventHappened(event: StatusEvent): Promise<void> {
    if (event.kind === 'subscription-requested') {
      const message = confirmationMessage(this.#host.view(), this.#host.page.components, event.subscriber);
      return this.#enqueue(message === undefined ? [] : [message]);
    }
    const notice = noticeOf(event);
    if (notice) await this.#tell(notice);
  }

  /** A component's status moved (derived or overridden): webhook subscribers hear of it. */
  async componentChanged(
    componentId: string,
    oldStatus: ComponentStatus,
    newStatus: ComponentStatus,
    atMs: number,
  ): Promise<void> {
    await this.#tell({ kind: 'component', componentId, oldStatus, newStatus, atMs });
  }

  /** Drops requests nobody confirmed in time; says when the list fills up or has room again. */
  async expire(): Promise<void> {
    const count = await expireUnconfirmed(this.#host.deps);
    if (count > 0)
      this.#effects.logger.info(
        { event: 'subscriptions-expired', count },
        'unconfirmed subscriptions expired',
      );
    this.#reportFullness();
  }

  /** The outbox's sender for `status:email`, `status:confirm` and `status:webhook:ID`; else undefined. */
  target(receiver: string): ReceiverTarget | undefined {
    if (receiver === emailReceiver || receiver === confirmationReceiver)
      return { send: (m, io) => this.#sendMail(m, io) };
    if (receiver.startsWith(webhookReceiverPrefix)) return { send: (m, io) => this.#post(m, io) };
    return undefined;
  }

  // Logged on the change only (this runs every minute): a full list refuses every newcomer, so an operator
  // must hear of it; a full waiting list means requests are dropped unconfirmed (a flood, most likely).
  #reportFullness(): void {
    const maxSubscribers = this.#host.page.subscriberEmail?.maxSubscribers;
    if (maxSubscribers === undefined) return;
    const { confirmed, unconfirmed } = subscriptionCounts(this.#host.deps);
    const { logger } = this.#effects;
    const isFull = confirmed >= maxSubscribers;
    if (isFull && !this.#isFull)
      logger.warn(
        { event: 'subscribers-full', confirmed, maxSubscribers },
        'the subscription form takes no new subscribers: status_page.subscribers.email.max_subscribers is reached',
      );
    if (!isFull && this.#isFull)
      logger.info(
        { event: 'subscribers-not-full', confirmed, maxSubscribers },
        'the subscription form takes new subscribers again',
      );
    const isWaitingFull = unconfirmed >= maxUnconfirmed;
    if (isWaitingFull && !this.#isWaitingFull)
      logger.warn(
        { event: 'subscriptions-waiting-full', unconfirmed, maxUnconfirmed },
        'unconfirmed subscriptions are at their limit: each new request drops the oldest',
      );
    this.#isFull = isFull;
    this.#isWaitingFull = isWaitingFull;
  }

  async #tell(notice: Notice): Promise<void> {
    const { book, page } = this.#host;
    const subscribers = book.subscribers();
    if (subscribers.length === 0) return;
    await this.#enqueue(noticeMessages(this.#host.view(), page.components, subscribers, notice));
  }

  async #enqueue(messages: readonly SubscriberMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const outbox = this.#effects.outbox();
    if (!outbox) {
      this.#effects.logger.error(
        { event: 'subscribers-not-notified', messages: messages.length },
        'subscribers could not be notified: the alerting outbox is not open',
      );
      return;
    }
    await outbox.enqueue(messages.map((m) => ({ kind: 'prepared', ...m })));
  }

  async #sendMail(message: OutboxMessage, io: NotifierIo): Promise<void> {
    const { prepared, content } = this.#contentOf(message, 'email');
    const settings = this.#host.page.subscriberEmail;
    if (!settings)
      throw new DeliveryError('status_page.subscribers.email is no longer configured', {
        isRetryable: false,
      });
    await sendMail(settings.smtp, mailOptions(prepared, content, settings), io);
  }

  async #post(message: OutboxMessage, io: NotifierIo): Promise<void> {
    const { prepared, content } = this.#contentOf(message, 'webhook');
    // The id lets a receiver drop a redelivery (a send repeated after a crash), as with alert webhooks.
    await postToService(content.url, content.body, io, { headers: { 'webhook-id': prepared.id } });
  }

  #contentOf<C extends SubscriberContent['channel']>(
    message: OutboxMessage,
    channel: C,
  ): { prepared: PreparedMessage; content: Extract<SubscriberContent, { channel: C }> } {
    const content = isPrepared(message) ? (message.content as SubscriberContent) : undefined;
    if (!isPrepared(message) || content?.channel !== channel)
      throw new DeliveryError(`not a subscriber ${channel} message`, { isRetryable: false });
    // Someone who unsubscribed after this was queued must not get it: a dead letter records why.
    if (!this.#host.book.subscribers().some((s) => s.id === content.subscriberId))
      throw new DeliveryError(
        'the subscriber is gone (unsubscribed, or a request that expired or made room) before this was sent',
        { isRetryable: false },
      );
    return { prepared: message, content: content as Extract<SubscriberContent, { channel: C }> };
  }
}

/**
 * The mail as sent: an incident's mails thread under one root; every mail but the confirmation carries
 * List-Unsubscribe with RFC 8058's one-click POST, which mail clients show as an unsubscribe button.
 */
function mailOptions(
  message: PreparedMessage,
  content: Extract<SubscriberContent, { channel: 'email' }>,
  settings: { readonly from: string; readonly smtp: SmtpSettings },
) {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(settings.from)?.[1] ?? 'bulwark';
  const threadRoot = `<thread-${sha256Hex(content.threadKey).slice(0, 24)}@${domain}>`;
  const unsubscribe =
    content.unsubscribeUrl === null
      ? {}
      : {
          'List-Unsubscribe': `<${content.unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        };
  return {
    from: settings.from,
    to: content.to,
    subject: content.subject,
    text: content.text,
    html: content.html,
    messageId: `<${sha256Hex(message.id).slice(0, 32)}@${domain}>`,
    ...(content.unsubscribeUrl === null ? {} : { inReplyTo: threadRoot, references: [threadRoot] }),
    date: new Date(message.createdAtMs),
    headers: { 'Auto-Submitted': 'auto-generated', ...unsubscribe },
  };
}

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
