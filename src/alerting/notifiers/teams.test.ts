import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { describeDeliveryContract, testIo } from './notifier.contract.ts';
import { teamsNotifier } from './teams.ts';

const workflowPath = '/workflows/abc/triggers/manual/paths/invoke';

describeDeliveryContract({
  notifier: teamsNotifier,
  configFor: (baseUrl, secret) => ({ type: 'teams', webhook_url: `${baseUrl}${workflowPath}?sig=${secret}` }),
});

/** Alertmanager's msteamsv2 card around a title and a text. */
function card(title: string, text: string): unknown {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.2',
          body: [
            { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'TextBlock', text, wrap: true },
          ],
          msteams: { width: 'full' },
        },
      },
    ],
  };
}

interface TeamsBody {
  readonly attachments: readonly { content: { body: readonly { text: string }[] } }[];
}

describe('teams notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver({ status: 202 });
  });
  afterAll(() => receiver.close());

  async function delivered(
    notification: Notification,
    extra: Record<string, unknown> = {},
  ): Promise<unknown> {
    const url = `${receiver.url}${workflowPath}?api-version=1&sig=abc`;
    const config = teamsNotifier.config.parse({ type: 'teams', webhook_url: url, ...extra });
    await teamsNotifier.send(notification, config, testIo());
    const request = receiver.requests.at(-1);
    expect(request?.url).toBe(`${workflowPath}?api-version=1&sig=abc`);
    return JSON.parse(request?.body ?? '');
  }

  it('sends resolved notifications by default, as Alertmanager does', () => {
    expect(teamsNotifier.kind).toBe('teams');
    expect(teamsNotifier.sendsResolvedByDefault).toBe(true);
  });

  it('posts a firing group as an Adaptive Card (Workflows), never a MessageCard', async () => {
    const payload = await delivered(sampleFiring());
    expect(payload).toEqual(
      card(
        '[CRITICAL] FIRING (2): API',
        '- Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)\n\n' +
          '- Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)\n\n' +
          '[Status page](https://status.acme.example) · [Admin](http://127.0.0.1:8082/api/v1/alerts)',
      ),
    );
    expect(JSON.stringify(payload)).not.toMatch(/MessageCard|themeColor|@context/);
  });

  it('posts a resolved group', async () => {
    expect(await delivered(sampleResolved({ links: { statusPage: 'https://status.acme.example' } }))).toEqual(
      card(
        'RESOLVED (2): API',
        '- Public API is down: expected status == 200, got 503: resolved after 2m 15s (since 2026-11-21T09:30:00Z)\n\n' +
          '- Login is down: connect ECONNREFUSED: resolved after 2m 11s (since 2026-11-21T09:30:04Z)\n\n' +
          '[Status page](https://status.acme.example)',
      ),
    );
  });

  it('stays under the 28 KB message limit with huge alerts, keeping the links', async () => {
    const huge = firingAlert({ alertname: 'huge' }, { summary: 'x'.repeat(30_000) }, 0);
    const oversized = sampleFiring({ alerts: [huge, huge], groupLabels: { component: 'y'.repeat(2_000) } });
    const payload = (await delivered(oversized)) as TeamsBody;
    const [title, text] = payload.attachments[0]?.content.body ?? [];
    expect(title?.text).toHaveLength(500);
    expect(text?.text).toHaveLength(7_500);
    expect(text?.text.endsWith('[Admin](http://127.0.0.1:8082/api/v1/alerts)')).toBe(true);
    expect(Buffer.byteLength(receiver.requests.at(-1)?.body ?? '')).toBeLessThan(28_000);
  });

  it('renders a template into the two text blocks', async () => {
    const template = { title: '{{receiver}}: {{count}} alerts', text: '{{title}}' };
    expect(await delivered(sampleFiring(), { template })).toEqual(
      card('team-chat: 2 alerts', '[CRITICAL] FIRING (2): API'),
    );
  });
});
