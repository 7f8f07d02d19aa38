import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { describeDeliveryContract, testIo } from './notifier.contract.ts';
import { slackNotifier } from './slack.ts';

describeDeliveryContract({
  notifier: slackNotifier,
  configFor: (baseUrl, secret) => ({ type: 'slack', webhook_url: `${baseUrl}/services/${secret}` }),
});

describe('slack notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver();
  });
  afterAll(() => receiver.close());

  async function delivered(
    notification: Notification,
    extra: Record<string, unknown> = {},
  ): Promise<unknown> {
    const config = slackNotifier.config.parse({
      type: 'slack',
      webhook_url: `${receiver.url}/services/T0/B0/token`,
      ...extra,
    });
    await slackNotifier.send(notification, config, testIo());
    const request = receiver.requests.at(-1);
    expect(request?.url).toBe('/services/T0/B0/token');
    return JSON.parse(request?.body ?? '');
  }

  it('follows Alertmanager: resolved off by default, and paces at one message a second', () => {
    expect(slackNotifier.kind).toBe('slack');
    expect(slackNotifier.sendsResolvedByDefault).toBe(false);
    expect(slackNotifier.minIntervalMs).toBe(1_000);
  });

  it('posts a firing group as a fallback text and blocks: title, one line per alert, links', async () => {
    expect(await delivered(sampleFiring())).toEqual({
      text: '[CRITICAL] FIRING (2): API',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              '🔴 *[CRITICAL] FIRING (2): API*\n' +
              '• Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)\n' +
              '• Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)',
          },
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: '<https://status.acme.example|Status page> · <http://127.0.0.1:8082/api/v1/alerts|Admin>',
            },
          ],
        },
      ],
    });
  });

  it('posts a resolved group with how long each alert lasted', async () => {
    const payload = (await delivered(sampleResolved({ links: {} }))) as { text: string; blocks: unknown[] };
    expect(payload).toEqual({
      text: 'RESOLVED (2): API',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              '🟢 *RESOLVED (2): API*\n' +
              '• Public API is down: expected status == 200, got 503: resolved after 2m 15s (since 2026-11-21T09:30:00Z)\n' +
              '• Login is down: connect ECONNREFUSED: resolved after 2m 11s (since 2026-11-21T09:30:04Z)',
          },
        },
      ],
    });
  });

  it("escapes Slack's control characters in alert text", async () => {
    const alert = firingAlert({ alertname: 'x' }, { summary: 'p99 > 2s & <rising>' }, 0);
    const payload = (await delivered(sampleFiring({ alerts: [alert], groupLabels: {} }))) as SlackBody;
    expect(payload.blocks[0]?.text?.text).toContain('• p99 &gt; 2s &amp; &lt;rising&gt; (since');
  });

  it('keeps the section under 3,000 characters and the links whole when alerts are huge', async () => {
    const huge = firingAlert({ alertname: 'huge' }, { summary: 'x'.repeat(10_000) }, 0);
    const payload = (await delivered(sampleFiring({ alerts: [huge, huge] }))) as SlackBody;
    const section = payload.blocks[0]?.text?.text ?? '';
    expect(section).toHaveLength(3_000);
    expect(section.startsWith('🔴 *[CRITICAL] FIRING (2): API*\n• xxx')).toBe(true);
    expect(section.endsWith('x…')).toBe(true);
    expect(payload.blocks[1]?.elements?.[0]?.text).toContain('|Status page>');
  });

  it('cuts an oversized title in both the fallback text and the section', async () => {
    const payload = (await delivered(
      sampleFiring({ groupLabels: { component: 'y'.repeat(5_000) } }),
    )) as SlackBody;
    expect(payload.text).toHaveLength(3_000);
    expect(payload.blocks[0]?.text?.text).toHaveLength(3_000);
  });

  it('renders a template, escaping the values but not the template’s own markup', async () => {
    const template = {
      title: '{{status}} {{severity}}: {{summary}}',
      text: '{{alerts}}\n<{{status_page_url}}|status>',
    };
    const alert = firingAlert({ alertname: 'x' }, { summary: 'a < b' }, 0);
    const payload = (await delivered(sampleFiring({ alerts: [alert] }), { template })) as SlackBody;
    expect(payload.text).toBe('firing critical: a &lt; b');
    expect(payload.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '🔴 *firing critical: a &lt; b*\n• a &lt; b (since 1970-01-01T00:00:00Z)\n<https://status.acme.example|status>',
        },
      },
    ]);
  });

  it('offers no channel, username or icon: app webhooks cannot override them', () => {
    const base = { type: 'slack', webhook_url: 'https://hooks.slack.com/services/T/B/x' };
    expect(slackNotifier.config.safeParse(base).success).toBe(true);
    for (const key of ['channel', 'username', 'icon_emoji', 'icon_url']) {
      expect(slackNotifier.config.safeParse({ ...base, [key]: 'x' }).success).toBe(false);
    }
  });
});

interface SlackBody {
  readonly text: string;
  readonly blocks: readonly {
    readonly text?: { readonly text: string };
    readonly elements?: readonly { readonly text: string }[];
  }[];
}
