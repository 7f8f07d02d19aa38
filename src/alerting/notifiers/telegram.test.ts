import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { deliveryErrorOf, testIo } from './notifier.contract.ts';
import { telegramNotifier } from './telegram.ts';

const botToken = '123456789:AAHsecretBOTtoken_0123456789-abcdef';

describe('telegram notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver({ status: 200, body: '{"ok":true,"result":{}}' });
  });
  afterAll(() => receiver.close());

  const configWith = (extra: Record<string, unknown> = {}, apiUrl = receiver.url) =>
    telegramNotifier.config.parse({
      type: 'telegram',
      bot_token: botToken,
      chat_id: -1001234567890,
      api_url: apiUrl,
      ...extra,
    });

  async function delivered(notification: Notification, extra: Record<string, unknown> = {}) {
    await telegramNotifier.send(notification, configWith(extra), testIo());
    const request = receiver.requests.at(-1);
    expect(request).toMatchObject({ method: 'POST', url: `/bot${botToken}/sendMessage` });
    expect(request?.headers['content-type']).toBe('application/json');
    return JSON.parse(request?.body ?? '') as Record<string, unknown> & { text: string };
  }

  const send = (extra: Record<string, unknown> = {}) =>
    deliveryErrorOf(telegramNotifier.send(sampleFiring(), configWith(extra), testIo()));

  it('sends resolved by default and talks to api.telegram.org unless overridden', () => {
    expect(telegramNotifier.sendsResolvedByDefault).toBe(true);
    const config = telegramNotifier.config.parse({
      type: 'telegram',
      bot_token: botToken,
      chat_id: '@ops_alerts',
    });
    expect(config.api_url).toBe('https://api.telegram.org');
  });

  it('validates the token (it becomes part of the path) and the chat id', () => {
    const input = { type: 'telegram', bot_token: botToken, chat_id: 42 };
    const parses = (extra: Record<string, unknown>) =>
      telegramNotifier.config.safeParse({ ...input, ...extra }).success;
    expect(parses({})).toBe(true);
    expect(parses({ chat_id: '@ops_alerts' })).toBe(true);
    expect(parses({ chat_id: '-1001234567890' })).toBe(true);
    expect(parses({ bot_token: '123:abc/../../x' })).toBe(false);
    expect(parses({ chat_id: 'ops alerts' })).toBe(false);
    expect(parses({ parse_mode: 'MarkdownV2' })).toBe(false);
  });

  it('posts a firing group as HTML: bold title, one line per alert, links', async () => {
    expect(await delivered(sampleFiring())).toEqual({
      chat_id: -1001234567890,
      text: [
        '<b>[CRITICAL] FIRING (2): API</b>',
        'Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)',
        'Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)',
        '<a href="https://status.acme.example">Status page</a> | <a href="http://127.0.0.1:8082/api/v1/alerts">Admin</a>',
      ].join('\n'),
      parse_mode: 'HTML',
      disable_web_page_preview: true,
    });
  });

  it('posts a resolved group to a forum topic, silently when asked', async () => {
    const body = await delivered(sampleResolved(), {
      chat_id: '@ops_alerts',
      message_thread_id: 7,
      disable_notification: true,
    });
    expect(body).toMatchObject({ chat_id: '@ops_alerts', message_thread_id: 7, disable_notification: true });
    expect(body.text).toMatch(/^<b>RESOLVED \(2\): API<\/b>\nPublic API is down: .* resolved after 2m 15s/);
  });

  it('escapes alert text, so a summary cannot inject markup', async () => {
    const alerts = [firingAlert({ alertname: 'x' }, { summary: '<script>alert("x")</script> & co' }, 0)];
    const { text } = await delivered(sampleFiring({ alerts, groupLabels: { component: '<i>API</i>' } }));
    expect(text).toContain('&lt;script&gt;alert("x")&lt;/script&gt; &amp; co');
    expect(text).toContain('<b>[CRITICAL] FIRING: &lt;i&gt;API&lt;/i&gt;</b>');
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('<i>');
  });

  it('fits 4,096 characters after escaping, cutting the alert lines and never an entity', async () => {
    const alerts = [firingAlert({ alertname: 'x' }, { summary: `a${'&'.repeat(5_000)}` }, 0)];
    const { text } = await delivered(sampleFiring({ alerts }));
    expect(text.length).toBeLessThanOrEqual(4_096);
    expect(text.length).toBeGreaterThan(4_000);
    expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    expect(text).toMatch(/^<b>\[CRITICAL\] FIRING: API<\/b>\na&amp;/);
    expect(text).toMatch(
      /…\n<a href="https:\/\/status\.acme\.example">Status page<\/a> \| <a href=.*>Admin<\/a>$/,
    );
  });

  it.each([
    [
      { status: 500, body: 'Internal Server Error' },
      { isRetryable: true, status: 500 },
    ],
    [
      { status: 429, headers: { 'retry-after': '7' } },
      { isRetryable: true, status: 429, retryAfterMs: 7_000 },
    ],
    [
      {
        status: 429,
        body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}',
      },
      { isRetryable: true, status: 429, retryAfterMs: 5_000 },
    ],
    [
      { status: 400, body: '{"ok":false,"description":"Bad Request: chat not found"}' },
      { isRetryable: false },
    ],
  ])('classifies an answer %j', async (answer, expected) => {
    receiver.script(answer);
    expect(await send()).toMatchObject(expected);
  });

  it('keeps the bot token out of the error, even when the answer quotes the path', async () => {
    receiver.script({
      status: 404,
      body: `{"ok":false,"description":"Not Found: /bot${botToken}/sendMessage"}`,
    });
    const error = await send();
    expect(error).toMatchObject({ isRetryable: false, status: 404 });
    expect(error.message).toContain(new URL(receiver.url).origin);
    expect(error.message).not.toContain(botToken);
    expect(error.message).not.toContain('AAHsecret');
    expect(error.stack ?? '').not.toContain('AAHsecret');
  });

  it('keeps the bot token out of a connection failure', async () => {
    const closed = await startRecordingReceiver();
    await closed.close();
    const error = await deliveryErrorOf(
      telegramNotifier.send(sampleFiring(), configWith({}, closed.url), testIo()),
    );
    expect(error.isRetryable).toBe(true);
    expect(error.message).not.toContain('AAHsecret');
  });
});
