import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientKeyOf } from '../core/connection-guard.ts';
import { KeyedTokenBuckets, type BucketPolicy } from '../gateway/overload/token-buckets.ts';
import { ServiceError } from '../services/index.ts';
import {
  confirmSubscription,
  defaultSubscriptionLimits,
  requestSubscription,
  unsubscribe,
  type SubscriptionLimits,
} from '../services/subscribers.ts';
import {
  renderConfirmPage,
  renderNoticePage,
  renderSubscribePage,
  renderUnsubscribePage,
} from '../status/render/index.ts';
import { sendPage, type DynamicHandler } from '../status/status-server.ts';
import type { StatusHost } from './status-host.ts';

// A form with an address and a few hundred component ids fits easily; anything larger is not our form.
const maxFormBytes = 16_384;
// Per client: a person subscribing, mistyping and trying again stays well within; a script does not.
const clientPolicy: BucketPolicy = { ratePerSecond: 5 / 60, burst: 10 };
// Past this many clients the table starts afresh: memory stays bounded whatever the sender addresses.
const maxTrackedClients = 100_000;

/**
 * The public subscription flow on the status listener: POST /subscribe (the form), GET and POST
 * /subscribe/confirm (double opt-in), GET and POST /unsubscribe (the button, and RFC 8058's one-click POST
 * that mail clients send to the List-Unsubscribe URL). Everything else is left to the site (404).
 */
export function subscribeRoutes(host: StatusHost): DynamicHandler {
  const limiter = new ClientLimiter(clientPolicy, maxTrackedClients, host.nowMs());
  // Answers 429 itself and returns false when the client is past its limit.
  const admits: Admits = (request, response) => {
    const retryAfterMs = limiter.take(clientKeyOf(request.socket.remoteAddress ?? ''), host.nowMs());
    if (retryAfterMs === 0) return true;
    tooMany(host, request, response, retryAfterMs);
    return false;
  };
  return async (request, response, url) => {
    const path = url.pathname.replace(/\/+$/, '');
    const method = request.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';
    if (path === '/subscribe' && method === 'POST') await subscribe(host, admits, request, response);
    else if (path === '/subscribe/confirm' && isRead) showConfirm(host, request, response, url);
    else if (path === '/subscribe/confirm' && method === 'POST')
      await confirm(host, admits, request, response, url);
    else if (path === '/unsubscribe' && isRead) showUnsubscribe(host, request, response, url);
    else if (path === '/unsubscribe' && method === 'POST') await leave(host, admits, request, response, url);
    else return false;
    return true;
  };
}

type Admits = (request: IncomingMessage, response: ServerResponse) => boolean;

async function subscribe(
  host: StatusHost,
  admits: Admits,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  // Before the body is read: the answer cannot depend on the address.
  if (!admits(request, response)) return;
  const form = await readForm(request, response);
  if (!form) return;
  const email = form.get('email') ?? '';
  const componentIds = form.getAll('component_ids');
  try {
    const input = { email, ...(componentIds.length > 0 ? { component_ids: componentIds } : {}) };
    await host.serially(() => requestSubscription(host.deps, input, limitsOf(host)));
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    if (error.code === 'SVC_INVALID')
      return sendPage(
        request,
        response,
        400,
        renderSubscribePage(host.servedView(), { email, componentIds, error: error.message }),
      );
    const status = error.code === 'SVC_BUSY' ? 503 : 404;
    return sendPage(
      request,
      response,
      status,
      renderNoticePage(host.servedView(), 'Subscriptions unavailable', error.message),
    );
  }
  const text = `If ${email} is not subscribed yet, a mail with a confirmation link is on its way. Nothing else is sent until it is used.`;
  sendPage(request, response, 200, renderNoticePage(host.servedView(), 'Check your inbox', text));
}

function showConfirm(host: StatusHost, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const token = url.searchParams.get('token') ?? '';
  if (!host.book.subscriberByToken(token)) return expired(host, request, response);
  sendPage(request, response, 200, renderConfirmPage(host.servedView(), token));
}

async function confirm(
  host: StatusHost,
  admits: Admits,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const form = await readForm(request, response);
  if (!form) return;
  const token = form.get('token') ?? url.searchParams.get('token') ?? '';
  if (!isKnownOrAdmitted(host, admits, token, request, response)) return;
  try {
    await host.serially(() => confirmSubscription(host.deps, token, limitsOf(host)));
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    if (error.code !== 'SVC_BUSY') return expired(host, request, response);
    const text = `${host.page.title} takes no new subscribers at the moment. The link stays valid for 48 hours after you asked: try again later.`;
    return sendPage(request, response, 503, renderNoticePage(host.servedView(), 'Subscriptions full', text));
  }
  const text = `You will receive updates from ${host.page.title}. Every mail has a link to unsubscribe.`;
  sendPage(request, response, 200, renderNoticePage(host.servedView(), 'Subscription confirmed', text));
}

function showUnsubscribe(
  host: StatusHost,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): void {
  const token = url.searchParams.get('token') ?? '';
  if (!host.book.subscriberByToken(token)) return unsubscribed(host, request, response);
  sendPage(request, response, 200, renderUnsubscribePage(host.servedView(), token));
}

async function leave(
  host: StatusHost,
  admits: Admits,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  // A one-click POST carries `List-Unsubscribe=One-Click` (maybe as multipart): the token is in the URL.
  const form = await readForm(request, response, { isAnyBodyAccepted: true });
  if (!form) return;
  const token = form.get('token') ?? url.searchParams.get('token') ?? '';
  if (!isKnownOrAdmitted(host, admits, token, request, response)) return;
  await host.serially(() => unsubscribe(host.deps, token));
  unsubscribed(host, request, response);
}

/**
 * A token from one of our mails passes: mail providers send RFC 8058's one-click POSTs from a few shared
 * addresses, and a limit there would stop unsubscribing for everyone on them. Guesses are charged.
 */
function isKnownOrAdmitted(
  host: StatusHost,
  admits: Admits,
  token: string,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  return host.book.subscriberByToken(token) !== undefined || admits(request, response);
}

const limitsOf = (host: StatusHost): SubscriptionLimits =>
  host.page.subscriberEmail ?? defaultSubscriptionLimits;

function tooMany(
  host: StatusHost,
  request: IncomingMessage,
  response: ServerResponse,
  retryAfterMs: number,
): void {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1_000));
  response.setHeader('retry-after', String(retryAfterSeconds));
  // The body is left unread: the socket goes after the answer rather than read whatever was sent.
  response.setHeader('connection', 'close');
  const text = `Too many requests from your network. Try again in ${retryAfterSeconds} seconds.`;
  sendPage(request, response, 429, renderNoticePage(host.servedView(), 'Too many requests', text));
}

function expired(host: StatusHost, request: IncomingMessage, response: ServerResponse): void {
  const text =
    'This link is not valid any more: it expires after 48 hours, or the subscription was ended. Subscribe again to receive updates.';
  sendPage(request, response, 404, renderNoticePage(host.servedView(), 'Link expired', text));
}

function unsubscribed(host: StatusHost, request: IncomingMessage, response: ServerResponse): void {
  const text = `You will receive no more updates from ${host.page.title}.`;
  sendPage(request, response, 200, renderNoticePage(host.servedView(), 'You are unsubscribed', text));
}

/**
 * The body as form fields (application/x-www-form-urlencoded); undefined after answering 413 or 415 itself.
 * `isAnyBodyAccepted`: other content types are read as no fields (a one-click POST may be multipart).
 */
async function readForm(
  request: IncomingMessage,
  response: ServerResponse,
  options: { readonly isAnyBodyAccepted?: boolean } = {},
): Promise<URLSearchParams | undefined> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const isForm = type === 'application/x-www-form-urlencoded';
  if (!isForm && !options.isAnyBodyAccepted && type !== '') {
    response
      .writeHead(415, { 'content-type': 'text/plain; charset=utf-8' })
      .end('expected a form (application/x-www-form-urlencoded)\n');
    request.resume();
    return undefined;
  }
  const body = await readBounded(request, maxFormBytes);
  if (body === undefined) {
    // Answered without reading the rest; `connection: close` makes the server drop the socket after it.
    response
      .writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
      .end('form too large\n');
    return undefined;
  }
  return isForm ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams();
}

/** The whole body, or undefined as soon as it passes `maxBytes` (reading then stops). */
function readBounded(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxBytes) return void chunks.push(chunk);
      request.off('data', onData);
      request.pause();
      resolve(undefined);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/**
 * Token buckets per client, bounded: KeyedTokenBuckets forgets clients idle for two refill times, and a
 * table past `maxClients` (a sweep from that many addresses) starts afresh.
 */
export class ClientLimiter {
  readonly #policy: BucketPolicy;
  readonly #maxClients: number;
  #buckets: KeyedTokenBuckets;

  constructor(policy: BucketPolicy, maxClients: number, nowMs: number) {
    this.#policy = policy;
    this.#maxClients = maxClients;
    this.#buckets = new KeyedTokenBuckets(policy, nowMs);
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** 0 when the client may go ahead (its token is taken), else how long until it may. */
  take(client: string, nowMs: number): number {
    if (this.#buckets.size >= this.#maxClients) this.#buckets = new KeyedTokenBuckets(this.#policy, nowMs);
    return this.#buckets.take(client, nowMs).retryAfterMs;
  }
}
