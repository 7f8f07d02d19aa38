import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Alert } from '../alert.ts';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import type { Notifier } from './notifier.ts';

// Go's zero time: Alertmanager's endsAt for an alert that still fires.
const zeroTime = '0001-01-01T00:00:00Z';
const whsecPrefix = 'whsec_';
// Ours to set: a configured header must not forge the signature or change how the body is read.
const reservedHeaders = new Set([
  'content-type',
  'content-length',
  'host',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);

const secret = z
  .string()
  .min(16, 'expected a secret of at least 16 characters (Standard Webhooks recommends 24 to 64 random bytes)')
  .refine(
    (text) => !text.startsWith(whsecPrefix) || /^[A-Za-z0-9+/]+={0,2}$/.test(text.slice(whsecPrefix.length)),
    {
      message: 'a secret starting with whsec_ must continue in base64 (the Standard Webhooks format)',
    },
  );

const headers = z
  .record(
    z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name'),
    z.string().regex(/^[^\r\n\0]*$/, 'a header value cannot contain line breaks'),
  )
  .refine((map) => Object.keys(map).every((name) => !reservedHeaders.has(name.toLowerCase())), {
    message: `these headers are set by Bulwark and cannot be configured: ${[...reservedHeaders].join(', ')}`,
  });

const webhookConfig = z.strictObject({
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  /** Signs each request per the Standard Webhooks spec. */
  secret: secret.optional(),
  headers: headers.optional(),
  /** At most this many alerts per request (0 = all); the rest are counted in `truncatedAlerts`. */
  max_alerts: z.int().min(0).default(0),
});

export type WebhookConfig = z.infer<typeof webhookConfig>;

export const webhookNotifier: Notifier<WebhookConfig> = {
  kind: 'webhook',
  config: webhookConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    const body = JSON.stringify(webhookPayload(notification, config));
    // Signed per attempt: receivers reject a timestamp more than 5 minutes old, while the id stays the same.
    const signature =
      config.secret === undefined
        ? {}
        : signatureHeaders(notification.id, Math.floor(io.nowMs() / 1_000), body, config.secret);
    // A receiver may echo the request back in its error text; its credentials must not reach our records.
    const secrets = [
      ...(config.secret === undefined ? [] : [config.secret]),
      ...Object.values(config.headers ?? {}),
    ];
    await postToService(config.url, body, io, { headers: { ...config.headers, ...signature }, secrets });
  },
};

/** Alertmanager's webhook body (version 4), so receivers written for Alertmanager read ours unchanged. */
export function webhookPayload(notification: Notification, config: WebhookConfig): Record<string, unknown> {
  const alerts =
    config.max_alerts > 0 ? notification.alerts.slice(0, config.max_alerts) : notification.alerts;
  return {
    version: '4',
    groupKey: notification.groupKey,
    truncatedAlerts: notification.alerts.length - alerts.length,
    status: notification.status,
    receiver: notification.receiver,
    groupLabels: notification.groupLabels,
    commonLabels: notification.commonLabels,
    commonAnnotations: notification.commonAnnotations,
    externalURL: notification.links.admin ?? '',
    notification_reason: notification.reason,
    alerts: alerts.map(alertJson),
  };
}

/** The three Standard Webhooks headers for one request. */
export function signatureHeaders(
  id: string,
  timestampS: number,
  body: string,
  secretText: string,
): Record<string, string> {
  const key = secretText.startsWith(whsecPrefix)
    ? Buffer.from(secretText.slice(whsecPrefix.length), 'base64')
    : Buffer.from(secretText, 'utf8');
  const digest = createHmac('sha256', key).update(`${id}.${timestampS}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': `v1,${digest}` };
}

function alertJson(alert: Alert): Record<string, unknown> {
  return {
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAtMs).toISOString(),
    endsAt:
      alert.status === 'resolved' && alert.endsAtMs !== undefined
        ? new Date(alert.endsAtMs).toISOString()
        : zeroTime,
    generatorURL: '',
    fingerprint: alert.fingerprint,
  };
}
