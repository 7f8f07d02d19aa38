import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { mattermostNotifier } from './mattermost.ts';
import { describeDeliveryContract, testIo } from './notifier.contract.ts';

describeDeliveryContract({
  notifier: mattermostNotifier,
  configFor: (baseUrl, secret) => ({ type: 'mattermost', webhook_url: `${baseUrl}/hooks/${secret}` }),
});

interface MattermostBody {
  readonly text: string;
  readonly channel?: string;
  readonly username?: string;
  readonly icon_url?: string;
}

describe('mattermost notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver();
  });
  afterAll(() => receiver.close());

  async function delivered(
    notification: Notification,
    extra: Record<string, unknown> = {},
  ): Promise<MattermostBody> {
    const config = mattermostNotifier.config.parse({
      type: 'mattermost',
      webhook_url: `${receiver.url}/hooks/xyz123`,
      ...extra,
    });
    await mattermostNotifier.send(notification, config, testIo());
    const request = receiver.requests.at(-1);
    expect(request?.url).toBe('/hooks/xyz123');
    return JSON.parse(request?.body ?? '') as MattermostBody;
  }

  it('sends resolved notifications by default, as Alertmanager does', () => {
    expect(mattermostNotifier.kind).toBe('mattermost');
    expect(mattermostNotifier.sendsResolvedByDefault).toBe(true);
  });

  it('posts a firing group as markdown text, without overrides unless configured', async () => {
    expect(await delivered(sampleFiring())).toEqual({
      text:
        '🔴 **[CRITICAL] FIRING (2): API**\n\n' +
        '- Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)\n' +
        '- Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)\n\n' +
        '[Status page](https://status.acme.example) · [Admin](http://127.0.0.1:8082/api/v1/alerts)',
    });
  });

  it('posts a resolved group with the configured channel, username and icon', async () => {
    const extra = { channel: 'ops-alerts', username: 'bulwark', icon_url: 'https://acme.example/b.png' };
    expect(await delivered(sampleResolved({ links: {} }), extra)).toEqual({
      text:
        '🟢 **RESOLVED (2): API**\n\n' +
        '- Public API is down: expected status == 200, got 503: resolved after 2m 15s (since 2026-11-21T09:30:00Z)\n' +
        '- Login is down: connect ECONNREFUSED: resolved after 2m 11s (since 2026-11-21T09:30:04Z)',
      channel: 'ops-alerts',
      username: 'bulwark',
      icon_url: 'https://acme.example/b.png',
    });
  });

  it('keeps the text within 16,383 characters, title and links whole', async () => {
    const huge = firingAlert({ alertname: 'huge' }, { summary: 'x'.repeat(20_000) }, 0);
    const { text } = await delivered(sampleFiring({ alerts: [huge, huge] }));
    expect(text).toHaveLength(16_383);
    expect(text.startsWith('🔴 **[CRITICAL] FIRING (2): API**\n\n- xxx')).toBe(true);
    expect(text.endsWith('[Admin](http://127.0.0.1:8082/api/v1/alerts)')).toBe(true);
  });

  it('renders a template', async () => {
    const template = { title: '{{labels.alertname}} ({{severity}})', text: '{{alerts}}' };
    const { text } = await delivered(sampleResolved(), { template });
    expect(text).toBe(
      '🟢 **monitor-down (critical)**\n\n' +
        '- Public API is down: expected status == 200, got 503: resolved after 2m 15s (since 2026-11-21T09:30:00Z)\n' +
        '- Login is down: connect ECONNREFUSED: resolved after 2m 11s (since 2026-11-21T09:30:04Z)',
    );
  });
});
