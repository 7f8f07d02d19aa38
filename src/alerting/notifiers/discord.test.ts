import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { discordNotifier } from './discord.ts';
import { describeDeliveryContract, testIo } from './notifier.contract.ts';

describeDeliveryContract({
  notifier: discordNotifier,
  configFor: (baseUrl, secret) => ({ type: 'discord', webhook_url: `${baseUrl}/api/webhooks/${secret}` }),
});

interface DiscordBody {
  readonly username?: string;
  readonly avatar_url?: string;
  readonly content?: string;
  readonly embeds: readonly { title: string; description: string; color: number; timestamp?: string }[];
}

describe('discord notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver();
  });
  afterAll(() => receiver.close());

  async function delivered(
    notification: Notification,
    extra: Record<string, unknown> = {},
  ): Promise<DiscordBody> {
    const config = discordNotifier.config.parse({
      type: 'discord',
      webhook_url: `${receiver.url}/api/webhooks/123/token`,
      ...extra,
    });
    await discordNotifier.send(notification, config, testIo());
    const request = receiver.requests.at(-1);
    expect(request?.url).toBe('/api/webhooks/123/token');
    return JSON.parse(request?.body ?? '') as DiscordBody;
  }

  it('sends resolved notifications by default, as Alertmanager does', () => {
    expect(discordNotifier.kind).toBe('discord');
    expect(discordNotifier.sendsResolvedByDefault).toBe(true);
  });

  it('posts a firing group as one red embed with the alerts and links', async () => {
    expect(await delivered(sampleFiring())).toEqual({
      embeds: [
        {
          title: '[CRITICAL] FIRING (2): API',
          description:
            '- Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)\n' +
            '- Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)\n\n' +
            '[Status page](https://status.acme.example) · [Admin](http://127.0.0.1:8082/api/v1/alerts)',
          color: 0xe74c3c,
          timestamp: '2026-11-21T09:30:10.000Z',
        },
      ],
    });
  });

  it('posts a resolved group as a green embed, with the configured username and avatar', async () => {
    const extra = { username: 'Bulwark', avatar_url: 'https://acme.example/bulwark.png' };
    expect(await delivered(sampleResolved({ links: {} }), extra)).toEqual({
      username: 'Bulwark',
      avatar_url: 'https://acme.example/bulwark.png',
      embeds: [
        {
          title: 'RESOLVED (2): API',
          description:
            '- Public API is down: expected status == 200, got 503: resolved after 2m 15s (since 2026-11-21T09:30:00Z)\n' +
            '- Login is down: connect ECONNREFUSED: resolved after 2m 11s (since 2026-11-21T09:30:04Z)',
          color: 0x2ecc71,
          timestamp: '2026-11-21T09:32:15.000Z',
        },
      ],
    });
  });

  it('colours by severity while firing', async () => {
    expect((await delivered(sampleFiring({ severity: 'warning' }))).embeds[0]?.color).toBe(0xe67e22);
    expect((await delivered(sampleFiring({ severity: 'info' }))).embeds[0]?.color).toBe(0x3498db);
  });

  it("honours Discord's limits: title 256, description 4,096, at most 10 embeds", async () => {
    const huge = firingAlert({ alertname: 'huge' }, { summary: 'x'.repeat(10_000) }, 0);
    const oversized = sampleFiring({ alerts: [huge, huge], groupLabels: { component: 'y'.repeat(1_000) } });
    const payload = await delivered(oversized);
    expect(payload.embeds.length).toBeLessThanOrEqual(10);
    const [embed] = payload.embeds;
    expect(embed?.title).toHaveLength(256);
    expect(embed?.title.endsWith('y…')).toBe(true);
    expect(embed?.description).toHaveLength(4_096);
    expect(embed?.description.endsWith('[Admin](http://127.0.0.1:8082/api/v1/alerts)')).toBe(true);
    expect(payload.content).toBeUndefined();
  });

  it('renders a template into the embed', async () => {
    const template = { title: '{{severity}}: {{group}}', text: 'Runbook: {{annotations.runbook}}' };
    const notification = sampleFiring({ commonAnnotations: { runbook: 'https://wiki.acme.example/api' } });
    expect((await delivered(notification, { template })).embeds[0]).toMatchObject({
      title: 'critical: component=API',
      description: 'Runbook: https://wiki.acme.example/api',
    });
  });

  it('rejects a username Discord would refuse', () => {
    const config = {
      type: 'discord',
      webhook_url: 'https://discord.com/api/webhooks/1/t',
      username: 'u'.repeat(81),
    };
    expect(discordNotifier.config.safeParse(config).success).toBe(false);
  });
});
