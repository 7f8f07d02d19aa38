import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import {
  startRecordingReceiver,
  type ReceivedRequest,
  type RecordingReceiver,
} from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { deliveryErrorOf, describeDeliveryContract, testIo } from './notifier.contract.ts';
import { webhookNotifier } from './webhook.ts';

describeDeliveryContract({
  notifier: webhookNotifier,
  configFor: (baseUrl, secret) => ({ type: 'webhook', url: `${baseUrl}/hooks/${secret}` }),
});

const nowMs = Date.UTC(2026, 10, 21, 9, 31, 0, 750);
const expectedAlerts = [
  {
    status: 'firing',
    labels: { alertname: 'monitor-down', component: 'API', severity: 'critical', monitor: 'public-api' },
    annotations: { summary: 'Public API is down: expected status == 200, got 503' },
    startsAt: '2026-11-21T09:30:00.000Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
  },
  {
    status: 'firing',
    labels: { alertname: 'monitor-down', component: 'API', severity: 'critical', monitor: 'login' },
    annotations: { summary: 'Login is down: connect ECONNREFUSED' },
    startsAt: '2026-11-21T09:30:04.000Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
  },
];

/** What a Standard Webhooks receiver does: recompute the HMAC over "id.timestamp.body" and compare. */
function verifySignature(request: ReceivedRequest, key: Buffer): boolean {
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest();
  return String(request.headers['webhook-signature'])
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .some((s) => {
      const given = Buffer.from(s.slice(3), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe('webhook notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver();
  });
  afterAll(() => receiver.close());

  async function deliver(
    notification: Notification,
    extra: Record<string, unknown> = {},
  ): Promise<ReceivedRequest> {
    const config = webhookNotifier.config.parse({ type: 'webhook', url: `${receiver.url}/alerts`, ...extra });
    await webhookNotifier.send(notification, config, testIo(nowMs));
    const request = receiver.requests.at(-1);
    if (request === undefined) throw new Error('nothing received');
    expect(request.url).toBe('/alerts');
    return request;
  }

  it('sends resolved notifications by default, as Alertmanager does', () => {
    expect(webhookNotifier.kind).toBe('webhook');
    expect(webhookNotifier.sendsResolvedByDefault).toBe(true);
  });

  it("posts a firing group in Alertmanager's version 4 envelope, unsigned without a secret", async () => {
    const firing = sampleFiring();
    const request = await deliver(firing);
    expect(JSON.parse(request.body)).toEqual({
      version: '4',
      groupKey: 'route0:{component="API"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'team-chat',
      groupLabels: { component: 'API' },
      commonLabels: { alertname: 'monitor-down', component: 'API', severity: 'critical' },
      commonAnnotations: {},
      externalURL: 'http://127.0.0.1:8082/api/v1/alerts',
      notification_reason: 'first',
      alerts: expectedAlerts.map((a, i) => ({ ...a, fingerprint: firing.alerts[i]?.fingerprint })),
    });
    expect(request.headers['webhook-signature']).toBeUndefined();
    expect(request.headers['webhook-id']).toBeUndefined();
  });

  it('posts a resolved group with each end time', async () => {
    const resolved = sampleResolved({ links: {} });
    const body = JSON.parse((await deliver(resolved)).body) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'resolved', notification_reason: 'resolved', externalURL: '' });
    expect(body['alerts']).toEqual(
      expectedAlerts.map((a, i) => ({
        ...a,
        status: 'resolved',
        endsAt: '2026-11-21T09:32:15.000Z',
        fingerprint: resolved.alerts[i]?.fingerprint,
      })),
    );
  });

  it('max_alerts sends the first alerts and counts the rest in truncatedAlerts', async () => {
    const many = Array.from({ length: 25 }, (_, i) => firingAlert({ alertname: 'a', n: String(i) }, {}, 0));
    const body = JSON.parse((await deliver(sampleFiring({ alerts: many }), { max_alerts: 10 })).body) as {
      truncatedAlerts: number;
      alerts: { labels: { n: string } }[];
    };
    expect(body.truncatedAlerts).toBe(15);
    expect(body.alerts.map((a) => a.labels.n)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const all = JSON.parse((await deliver(sampleFiring({ alerts: many }))).body) as {
      truncatedAlerts: number;
    };
    expect(all.truncatedAlerts).toBe(0);
  });

  it('signs with a plain secret per Standard Webhooks: id, unix-seconds timestamp, v1 HMAC-SHA256', async () => {
    const secret = 'a-long-shared-secret-of-ours';
    const request = await deliver(sampleFiring(), { secret });
    expect(request.headers['webhook-id']).toBe('ntf_01hzy3k6x8');
    expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(nowMs / 1_000)));
    expect(request.headers['webhook-timestamp']).toBe('1795253460');
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifySignature(request, Buffer.from(secret, 'utf8'))).toBe(true);
    expect(verifySignature(request, Buffer.from('another-secret-entirely', 'utf8'))).toBe(false);
  });

  it('uses the base64-decoded bytes of a whsec_ secret as the key', async () => {
    const key = randomBytes(32);
    const request = await deliver(sampleFiring(), { secret: `whsec_${key.toString('base64')}` });
    expect(verifySignature(request, key)).toBe(true);
    expect(verifySignature(request, Buffer.from(`whsec_${key.toString('base64')}`, 'utf8'))).toBe(false);
  });

  it('a tampered body no longer verifies', async () => {
    const secret = 'a-long-shared-secret-of-ours';
    const request = await deliver(sampleFiring(), { secret });
    expect(
      verifySignature({ ...request, body: request.body.replace('firing', 'resolved') }, Buffer.from(secret)),
    ).toBe(false);
  });

  it('sends configured headers alongside the JSON content type', async () => {
    const request = await deliver(sampleFiring(), {
      headers: { Authorization: 'Bearer t0k3n', 'X-Team': 'sre' },
    });
    expect(request.headers['authorization']).toBe('Bearer t0k3n');
    expect(request.headers['x-team']).toBe('sre');
    expect(request.headers['content-type']).toBe('application/json');
  });

  it("blanks the secret and configured header values out of a receiver's echoed error text", async () => {
    receiver.script({
      status: 401,
      body: 'bad credentials: Bearer t0k3n-abcdef, secret a-long-shared-secret-of-ours',
    });
    const config = webhookNotifier.config.parse({
      type: 'webhook',
      url: `${receiver.url}/alerts`,
      secret: 'a-long-shared-secret-of-ours',
      headers: { Authorization: 'Bearer t0k3n-abcdef' },
    });
    const error = await deliveryErrorOf(webhookNotifier.send(sampleFiring(), config, testIo(nowMs)));
    expect(error).toMatchObject({ isRetryable: false, status: 401 });
    expect(error.message).toContain('bad credentials');
    expect(error.message).not.toContain('t0k3n');
    expect(error.message).not.toContain('a-long-shared-secret-of-ours');
  });

  it('rejects configs that would weaken or forge the signature', () => {
    const base = { type: 'webhook', url: 'https://hooks.acme.example/bulwark' };
    const parse = (extra: Record<string, unknown>) => webhookNotifier.config.safeParse({ ...base, ...extra });
    expect(parse({}).success).toBe(true);
    expect(parse({ secret: 'short' }).success).toBe(false);
    expect(parse({ secret: 'whsec_not base64!!!!!!!!' }).success).toBe(false);
    expect(parse({ headers: { 'Webhook-Signature': 'v1,forged' } }).success).toBe(false);
    expect(parse({ headers: { 'Content-Type': 'text/plain' } }).success).toBe(false);
    expect(parse({ max_alerts: -1 }).success).toBe(false);
    expect(parse({ headers: { 'X-Team': 'sre\r\nX-Injected: 1' } }).success).toBe(false);
  });
});
