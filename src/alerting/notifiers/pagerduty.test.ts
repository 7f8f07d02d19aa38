import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { deliveryErrorOf, describeDeliveryContract, testIo } from './notifier.contract.ts';
import { pagerdutyNotifier } from './pagerduty.ts';

const routingKey = 'R0UT1NGKEYsecret0123456789abcdef';

describeDeliveryContract({
  notifier: pagerdutyNotifier,
  configFor: (baseUrl, secret) => ({ type: 'pagerduty', routing_key: secret, url: `${baseUrl}/v2/enqueue` }),
});

describe('pagerduty notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver({ status: 202, body: '{"status":"success","dedup_key":"x"}' });
  });
  afterAll(() => receiver.close());

  const configWith = (extra: Record<string, unknown> = {}) =>
    pagerdutyNotifier.config.parse({
      type: 'pagerduty',
      routing_key: routingKey,
      url: `${receiver.url}/v2/enqueue`,
      ...extra,
    });

  async function delivered(notification: Notification, extra: Record<string, unknown> = {}) {
    await pagerdutyNotifier.send(notification, configWith(extra), testIo());
    const request = receiver.requests.at(-1);
    expect(request).toMatchObject({ method: 'POST', url: '/v2/enqueue' });
    expect(request?.headers['content-type']).toBe('application/json');
    return JSON.parse(request?.body ?? '') as Record<string, unknown> & { payload: Record<string, unknown> };
  }

  const expectedDedupKey = createHash('sha256').update('route0:{component="API"}').digest('hex');

  it('sends resolved by default and posts to the Events API v2 unless overridden', () => {
    expect(pagerdutyNotifier.sendsResolvedByDefault).toBe(true);
    const config = pagerdutyNotifier.config.parse({ type: 'pagerduty', routing_key: routingKey });
    expect(config.url).toBe('https://events.pagerduty.com/v2/enqueue');
  });

  it('triggers a firing group with summary, severity, details and links', async () => {
    expect(await delivered(sampleFiring())).toEqual({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: expectedDedupKey,
      payload: {
        summary: '[CRITICAL] FIRING (2): API',
        source: 'Bulwark',
        severity: 'critical',
        timestamp: '2026-11-21T09:30:00.000Z',
        component: 'API',
        class: 'monitor-down',
        custom_details: {
          firing: [
            'Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)',
            'Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)',
          ],
          resolved: [],
          num_firing: 2,
          num_resolved: 0,
          common_labels: { alertname: 'monitor-down', component: 'API', severity: 'critical' },
        },
      },
      links: [
        { href: 'https://status.acme.example', text: 'Status page' },
        { href: 'http://127.0.0.1:8082/api/v1/alerts', text: 'Admin' },
      ],
      client: 'Bulwark',
      client_url: 'http://127.0.0.1:8082/api/v1/alerts',
    });
  });

  it('resolves with the same routing key and dedup key, and nothing else', async () => {
    expect(await delivered(sampleResolved())).toEqual({
      routing_key: routingKey,
      dedup_key: expectedDedupKey,
      event_action: 'resolve',
    });
  });

  it('derives the dedup key from the group key alone: stable, distinct per group, within 255', async () => {
    const first = await delivered(sampleFiring({ id: 'ntf_a', createdAtMs: 1 }));
    const again = await delivered(sampleFiring({ id: 'ntf_b', createdAtMs: 2 }));
    const other = await delivered(sampleFiring({ groupKey: 'route0:{component="DB"}' }));
    expect(first.dedup_key).toBe(again.dedup_key);
    expect(other.dedup_key).not.toBe(first.dedup_key);
    expect(String(first.dedup_key).length).toBeLessThanOrEqual(255);
  });

  it.each([
    ['critical', {}, 'critical'],
    ['warning', {}, 'warning'],
    ['info', {}, 'info'],
    ['page', {}, 'error'],
    ['page', { page: 'critical' }, 'critical'],
    ['warning', { warning: 'info' }, 'info'],
  ])('maps severity %s (map %j) to %s', async (severity, map, expected) => {
    const body = await delivered(sampleFiring({ severity }), { severity_map: map });
    expect(body.payload['severity']).toBe(expected);
  });

  it('rejects a severity_map target PagerDuty does not know', () => {
    const input = { type: 'pagerduty', routing_key: routingKey, severity_map: { page: 'urgent' } };
    expect(pagerdutyNotifier.config.safeParse(input).success).toBe(false);
  });

  it('cuts the summary to 1,024 characters', async () => {
    const body = await delivered(sampleFiring({ groupLabels: { component: 'x'.repeat(5_000) } }));
    const summary = String(body.payload['summary']);
    expect(summary).toHaveLength(1_024);
    expect(summary.endsWith('…')).toBe(true);
  });

  it('keeps the routing key out of the error even when the service echoes the event', async () => {
    receiver.script({ status: 400, body: `{"status":"invalid event","routing_key":"${routingKey}"}` });
    const error = await deliveryErrorOf(pagerdutyNotifier.send(sampleFiring(), configWith(), testIo()));
    expect(error).toMatchObject({ isRetryable: false, status: 400 });
    expect(error.message).toContain('invalid event');
    expect(error.message).not.toContain(routingKey);
  });
});
