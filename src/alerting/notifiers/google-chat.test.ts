import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { googleChatNotifier, threadedUrl } from './google-chat.ts';
import { describeDeliveryContract, testIo } from './notifier.contract.ts';

const spacePath = '/v1/spaces/AAAA1234/messages';
const threading = 'messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD';

describeDeliveryContract({
  notifier: googleChatNotifier,
  configFor: (baseUrl, secret) => ({
    type: 'google-chat',
    webhook_url: `${baseUrl}${spacePath}?key=${encodeURIComponent(secret)}&token=SECRETtoken%3D`,
  }),
});

interface GoogleChatBody {
  readonly text: string;
  readonly thread: { readonly threadKey: string };
}

describe('google chat notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver();
  });
  afterAll(() => receiver.close());

  async function delivered(
    notification: Notification,
    extra: Record<string, unknown> = {},
  ): Promise<GoogleChatBody> {
    const url = `${receiver.url}${spacePath}?key=AIzaKey&token=abc%3D`;
    const config = googleChatNotifier.config.parse({ type: 'google-chat', webhook_url: url, ...extra });
    await googleChatNotifier.send(notification, config, testIo());
    const request = receiver.requests.at(-1);
    // The key and token arrive exactly as configured, with the threading option after them.
    expect(request?.url).toBe(`${spacePath}?key=AIzaKey&token=abc%3D&${threading}`);
    return JSON.parse(request?.body ?? '') as GoogleChatBody;
  }

  it('sends resolved notifications by default, as Alertmanager does', () => {
    expect(googleChatNotifier.kind).toBe('google-chat');
    expect(googleChatNotifier.sendsResolvedByDefault).toBe(true);
  });

  it("posts a firing group as text in the group's thread", async () => {
    expect(await delivered(sampleFiring())).toEqual({
      text:
        '🔴 *[CRITICAL] FIRING (2): API*\n' +
        '• Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)\n' +
        '• Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)\n' +
        '<https://status.acme.example|Status page> · <http://127.0.0.1:8082/api/v1/alerts|Admin>',
      thread: { threadKey: 'route0:{component="API"}' },
    });
  });

  it('posts the resolution into the same thread', async () => {
    expect(await delivered(sampleResolved({ links: {} }))).toEqual({
      text:
        '🟢 *RESOLVED (2): API*\n' +
        '• Public API is down: expected status == 200, got 503: resolved after 2m 15s (since 2026-11-21T09:30:00Z)\n' +
        '• Login is down: connect ECONNREFUSED: resolved after 2m 11s (since 2026-11-21T09:30:04Z)',
      thread: { threadKey: 'route0:{component="API"}' },
    });
  });

  it('keeps the text under 4,096 characters, title and links whole', async () => {
    const huge = firingAlert({ alertname: 'huge' }, { summary: 'x'.repeat(10_000) }, 0);
    const payload = await delivered(sampleFiring({ alerts: [huge, huge] }));
    expect(payload.text.length).toBeLessThan(4_096);
    expect(payload.text.startsWith('🔴 *[CRITICAL] FIRING (2): API*\n• xxx')).toBe(true);
    expect(payload.text.endsWith('<http://127.0.0.1:8082/api/v1/alerts|Admin>')).toBe(true);
  });

  it('keeps an over-long group key within the 4,000-character thread key', async () => {
    const payload = await delivered(sampleFiring({ groupKey: 'k'.repeat(5_000) }));
    expect(payload.thread.threadKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('renders a template', async () => {
    const template = { text: '{{status}} in {{group}}: {{status_page_url}}' };
    expect((await delivered(sampleFiring(), { template })).text).toBe(
      '🔴 *[CRITICAL] FIRING (2): API*\nfiring in component=API: https://status.acme.example',
    );
  });

  it('adds the threading option to any webhook URL, keeping one the user set', () => {
    expect(threadedUrl('https://chat.googleapis.com/v1/spaces/S/messages')).toBe(
      `https://chat.googleapis.com/v1/spaces/S/messages?${threading}`,
    );
    const own =
      'https://chat.googleapis.com/v1/spaces/S/messages?key=k&messageReplyOption=REPLY_MESSAGE_OR_FAIL';
    expect(threadedUrl(own)).toBe(own);
  });
});
