import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { deliveryErrorOf, describeDeliveryContract, testIo } from './notifier.contract.ts';
import { ntfyNotifier, truncateUtf8 } from './ntfy.ts';

const token = 'tk_SECRETaccesstoken0123456789';

describeDeliveryContract({
  notifier: ntfyNotifier,
  configFor: (baseUrl, secret) => ({ type: 'ntfy', topic: 'bulwark-alerts', url: baseUrl, token: secret }),
});

describe('ntfy notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver({ status: 200, body: '{"id":"sPs71M8A2T","event":"message"}' });
  });
  afterAll(() => receiver.close());

  const configWith = (extra: Record<string, unknown> = {}) =>
    ntfyNotifier.config.parse({ type: 'ntfy', topic: 'bulwark-alerts', url: receiver.url, ...extra });

  async function delivered(notification: Notification, extra: Record<string, unknown> = {}) {
    await ntfyNotifier.send(notification, configWith(extra), testIo());
    const request = receiver.requests.at(-1);
    expect(request).toMatchObject({ method: 'POST', url: '/' });
    expect(request?.headers['content-type']).toBe('application/json');
    return { headers: request?.headers, body: JSON.parse(request?.body ?? '') as Record<string, unknown> };
  }

  it('sends resolved by default and publishes to ntfy.sh unless overridden', () => {
    expect(ntfyNotifier.sendsResolvedByDefault).toBe(true);
    expect(ntfyNotifier.config.parse({ type: 'ntfy', topic: 'alerts' }).url).toBe('https://ntfy.sh');
  });

  it('accepts only topic names ntfy accepts', () => {
    const parses = (topic: string) => ntfyNotifier.config.safeParse({ type: 'ntfy', topic }).success;
    expect(parses('bulwark_alerts-01')).toBe(true);
    expect(parses('')).toBe(false);
    expect(parses('a/b')).toBe(false);
    expect(parses('x'.repeat(65))).toBe(false);
  });

  it('publishes a firing group as JSON to the server root, without auth when no token is set', async () => {
    const { headers, body } = await delivered(sampleFiring());
    expect(headers?.['authorization']).toBeUndefined();
    expect(body).toEqual({
      topic: 'bulwark-alerts',
      title: '[CRITICAL] FIRING (2): API',
      message: [
        'Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)',
        'Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)',
      ].join('\n'),
      priority: 5,
      tags: ['rotating_light', 'critical'],
      click: 'https://status.acme.example',
    });
  });

  it('publishes a resolved group at the default priority, with a bearer token when set', async () => {
    const { headers, body } = await delivered(sampleResolved(), { token });
    expect(headers?.['authorization']).toBe(`Bearer ${token}`);
    expect(body).toMatchObject({
      topic: 'bulwark-alerts',
      title: 'RESOLVED (2): API',
      priority: 3,
      tags: ['white_check_mark', 'resolved'],
    });
  });

  it.each([
    [sampleFiring({ severity: 'warning' }), undefined, 4],
    [sampleFiring({ severity: 'info' }), undefined, 3],
    [sampleFiring(), 2, 2],
    [sampleResolved(), 5, 3],
    [sampleResolved(), 1, 1],
  ])('priority %#', async (notification, priority, expected) => {
    const { body } = await delivered(notification, priority === undefined ? {} : { priority });
    expect(body['priority']).toBe(expected);
  });

  it('keeps a self-hosted server path', async () => {
    const config = configWith({ url: `${receiver.url}/ntfy/` });
    await ntfyNotifier.send(sampleFiring(), config, testIo());
    expect(receiver.requests.at(-1)?.url).toBe('/ntfy/');
  });

  it("cuts the message to ntfy's 4,096 bytes at a character boundary", async () => {
    const alerts = [firingAlert({ alertname: 'x' }, { summary: 'é'.repeat(5_000) }, 0)];
    const { body } = await delivered(sampleFiring({ alerts }));
    const message = String(body['message']);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(4_096);
    expect(Buffer.byteLength(message)).toBeGreaterThan(4_090);
    expect(message.endsWith('é…')).toBe(true);
    expect(truncateUtf8('short', 4_096)).toBe('short');
  });

  it('keeps the token and topic out of the error, even when the answer echoes them', async () => {
    receiver.script({ status: 403, body: `{"error":"token ${token} may not write bulwark-alerts"}` });
    const error = await deliveryErrorOf(ntfyNotifier.send(sampleFiring(), configWith({ token }), testIo()));
    expect(error).toMatchObject({ isRetryable: false, status: 403 });
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain('bulwark-alerts');
  });
});
