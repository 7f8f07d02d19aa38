import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { deliveryErrorOf, describeDeliveryContract, testIo } from './notifier.contract.ts';
import { opsgenieNotifier } from './opsgenie.ts';

const apiKey = 'eb243592-faa2-4ba2-a551-SECRETKEY001';

describeDeliveryContract({
  notifier: opsgenieNotifier,
  configFor: (baseUrl, secret) => ({ type: 'opsgenie', api_key: secret, api_url: baseUrl }),
});

describe('opsgenie notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver({ status: 202, body: '{"result":"Request will be processed"}' });
  });
  afterAll(() => receiver.close());

  const configWith = (extra: Record<string, unknown> = {}) =>
    opsgenieNotifier.config.parse({ type: 'opsgenie', api_key: apiKey, api_url: receiver.url, ...extra });

  async function delivered(notification: Notification, extra: Record<string, unknown> = {}) {
    await opsgenieNotifier.send(notification, configWith(extra), testIo());
    const request = receiver.requests.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.headers['authorization']).toBe(`GenieKey ${apiKey}`);
    expect(request?.headers['content-type']).toBe('application/json');
    return { url: request?.url, body: JSON.parse(request?.body ?? '') as Record<string, unknown> };
  }

  const alias = createHash('sha256').update('route0:{component="API"}').digest('hex');

  it('sends resolved by default and talks to api.opsgenie.com unless overridden', () => {
    expect(opsgenieNotifier.sendsResolvedByDefault).toBe(true);
    expect(opsgenieNotifier.config.parse({ type: 'opsgenie', api_key: apiKey }).api_url).toBe(
      'https://api.opsgenie.com',
    );
  });

  it('creates an alert aliased by the group, with priority from the severity', async () => {
    expect(await delivered(sampleFiring())).toEqual({
      url: '/v2/alerts',
      body: {
        message: '[CRITICAL] FIRING (2): API',
        alias,
        description: [
          'Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)',
          'Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)',
          '',
          'Status page: https://status.acme.example',
          'Admin: http://127.0.0.1:8082/api/v1/alerts',
        ].join('\n'),
        priority: 'P1',
        source: 'Bulwark',
        tags: ['severity:critical', 'component:API'],
        details: { alertname: 'monitor-down', component: 'API', severity: 'critical' },
      },
    });
  });

  it('closes the same alias when the group resolves', async () => {
    expect(await delivered(sampleResolved())).toEqual({
      url: `/v2/alerts/${alias}/close?identifierType=alias`,
      body: { source: 'Bulwark', note: 'RESOLVED (2): API' },
    });
  });

  it.each([
    ['warning', {}, 'P3'],
    ['info', {}, 'P5'],
    ['page', {}, 'P3'],
    ['info', { priority: 'P2' }, 'P2'],
  ])('priority for severity %s with %j is %s', async (severity, extra, expected) => {
    const { body } = await delivered(sampleFiring({ severity }), extra);
    expect(body['priority']).toBe(expected);
  });

  it('rejects a priority outside P1..P5', () => {
    expect(
      opsgenieNotifier.config.safeParse({ type: 'opsgenie', api_key: apiKey, priority: 'P0' }).success,
    ).toBe(false);
  });

  it('cuts message to 130, description to 15,000, and tags to 20 of 50 characters', async () => {
    const groupLabels = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`label${i}`, 'v'.repeat(100)]),
    );
    const alerts = [firingAlert({ alertname: 'x' }, { summary: 's'.repeat(20_000) }, 0)];
    const { body } = await delivered(sampleFiring({ groupLabels, alerts }));
    expect(String(body['message'])).toHaveLength(130);
    expect(String(body['description'])).toHaveLength(15_000);
    const tags = body['tags'] as string[];
    expect(tags).toHaveLength(20);
    for (const tag of tags) expect(tag.length).toBeLessThanOrEqual(50);
  });

  it('keeps the API key out of the error even when the service echoes it', async () => {
    receiver.script({ status: 422, body: `{"message":"Key ${apiKey} is not allowed","took":0.001}` });
    const error = await deliveryErrorOf(opsgenieNotifier.send(sampleResolved(), configWith(), testIo()));
    expect(error).toMatchObject({ isRetryable: false, status: 422 });
    expect(error.message).not.toContain(apiKey);
  });
});
