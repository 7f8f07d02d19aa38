import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { getFromService, postToService, type PostOptions } from './http-post.ts';
import { DeliveryError, type Notifier, type NotifierIo } from './notifier.ts';
import { aliasOf, opsgenieAlert, opsgenieCloseBody, opsgeniePriority } from './opsgenie.ts';

/** Jira Service Management's Ops alerts API, Opsgenie's successor: the same alert body, Basic auth. */
const jsmConfig = z.strictObject({
  type: z.literal('jsm'),
  // Part of the URL path: restricting it keeps a typo from reaching another endpoint.
  cloud_id: z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a cloud id (letters, digits and -)'),
  /** The Atlassian account's email; with `api_token` it forms the Basic credentials. */
  user: z.email(),
  api_token: z.string().min(1),
  api_url: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .default('https://api.atlassian.com'),
  /** Overrides the priority derived from the severity label. */
  priority: opsgeniePriority.optional(),
});

export type JsmConfig = z.infer<typeof jsmConfig>;

export const jsmNotifier: Notifier<JsmConfig> = {
  kind: 'jsm',
  config: jsmConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    const base = `${config.api_url.replace(/\/+$/, '')}/jsm/ops/api/${config.cloud_id}/v1/alerts`;
    const credentials = Buffer.from(`${config.user}:${config.api_token}`).toString('base64');
    const options = { headers: { authorization: `Basic ${credentials}` }, secrets: [config.api_token] };
    if (notification.status === 'resolved') {
      await closeAlert(base, notification, io, options);
      return;
    }
    await postToService(base, opsgenieAlert(notification, config.priority), io, options);
  },
};

// Unlike Opsgenie, JSM closes only by alert id: look the id up by alias first.
async function closeAlert(base: string, notification: Notification, io: NotifierIo, options: PostOptions) {
  const alias = aliasOf(notification.groupKey);
  let found;
  try {
    found = await getFromService(`${base}/alias?alias=${encodeURIComponent(alias)}`, io, options);
  } catch (error) {
    // No alert under this alias: it was closed or deleted already, which is what resolve asks for.
    if (error instanceof DeliveryError && error.status === 404) return;
    throw error;
  }
  const id = alertIdIn(found.body);
  if (id === undefined) {
    throw new DeliveryError('JSM answered the alias lookup without an alert id', { isRetryable: false });
  }
  await postToService(
    `${base}/${encodeURIComponent(id)}/close`,
    opsgenieCloseBody(notification),
    io,
    options,
  );
}

function alertIdIn(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const found = z.object({ id: z.string().min(1) }).safeParse(parsed);
  return found.success ? found.data.id : undefined;
}
