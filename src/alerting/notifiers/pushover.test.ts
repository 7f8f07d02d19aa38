import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { deliveryErrorOf, testIo } from './notifier.contract.ts';
import { pushoverNotifier } from './pushover.ts';

const appToken = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const userKey = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';

describe('pushover notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver({ status: 200, body: '{"status":1,"request":"647d2300"}' });
  });
  afterAll(() => receiver.close());

  const configWith = (extra: Record<string, unknown> = {}, apiUrl = receiver.url) =>
    pushoverNotifier.config.parse({
      type: 'pushover',
      token: appToken,
      user_key: userKey,
      api_url: apiUrl,
      ...extra,
    });

  async function delivered(notification: Notification, extra: Record<string, unknown> = {}) {
    await pushoverNotifier.send(notification, configWith(extra), testIo());
    const request = receiver.requests.at(-1);
    expect(request).toMatchObject({ method: 'POST', url: '/1/messages.json' });
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    return Object.fromEntries(new URLSearchParams(request?.body ?? ''));
  }

  const send = (extra: Record<string, unknown> = {}, apiUrl = receiver.url) =>
    deliveryErrorOf(pushoverNotifier.send(sampleFiring(), configWith(extra, apiUrl), testIo()));

  it('sends resolved by default, with Alertmanager-like retry and expire defaults', () => {
    expect(pushoverNotifier.sendsResolvedByDefault).toBe(true);
    const config = pushoverNotifier.config.parse({ type: 'pushover', token: appToken, user_key: userKey });
    expect(config).toMatchObject({ api_url: 'https://api.pushover.net', retry: 60_000, expire: 3_600_000 });
  });

  it('holds retry to at least 30s and expire to at most 3h, as emergency priority requires', () => {
    const parses = (extra: Record<string, unknown>) =>
      pushoverNotifier.config.safeParse({ type: 'pushover', token: appToken, user_key: userKey, ...extra })
        .success;
    expect(parses({ retry: '30s', expire: '3h' })).toBe(true);
    expect(parses({ retry: '29s' })).toBe(false);
    expect(parses({ expire: '3h1s' })).toBe(false);
    expect(parses({ retry: 'soon' })).toBe(false);
    expect(parses({ priority: 3 })).toBe(false);
  });

  it('posts a firing critical group as an emergency, in HTML mode, with the status page link', async () => {
    expect(await delivered(sampleFiring())).toEqual({
      token: appToken,
      user: userKey,
      title: '[CRITICAL] FIRING (2): API',
      message: [
        'Public API is down: expected status == 200, got 503 (since 2026-11-21T09:30:00Z)',
        'Login is down: connect ECONNREFUSED (since 2026-11-21T09:30:04Z)',
      ].join('\n'),
      priority: '2',
      retry: '60',
      expire: '3600',
      html: '1',
      timestamp: String(Math.floor(sampleFiring().createdAtMs / 1_000)),
      url: 'https://status.acme.example',
      url_title: 'Status page',
    });
  });

  it('posts a resolved group at normal priority, with the configured durations and sound', async () => {
    const form = await delivered(sampleResolved(), { retry: '2m', expire: '3h', sound: 'magic' });
    expect(form).toMatchObject({ title: 'RESOLVED (2): API', priority: '0', retry: '120', expire: '10800' });
    expect(form['sound']).toBe('magic');
  });

  it.each([
    [sampleFiring({ severity: 'warning' }), undefined, '1'],
    [sampleFiring({ severity: 'info' }), undefined, '0'],
    [sampleFiring(), -1, '-1'],
    [sampleResolved(), 2, '0'],
    [sampleResolved(), -2, '-2'],
  ])('priority %#', async (notification, priority, expected) => {
    const form = await delivered(notification, priority === undefined ? {} : { priority });
    expect(form['priority']).toBe(expected);
  });

  it('escapes alert text for html=1 and cuts title to 250 and message to 1,024 characters', async () => {
    const alerts = [firingAlert({ alertname: 'x' }, { summary: `<script>&${'&'.repeat(2_000)}` }, 0)];
    const form = await delivered(sampleFiring({ alerts, groupLabels: { component: 'c'.repeat(400) } }));
    expect(form['title']).toHaveLength(250);
    const message = form['message'] ?? '';
    expect(message.length).toBeLessThanOrEqual(1_024);
    expect(message.startsWith('&lt;script&gt;&amp;&amp;')).toBe(true);
    expect(message.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/[&<>]/);
  });

  it('leaves out a link longer than 512 characters rather than cutting it', async () => {
    const long = `https://status.acme.example/${'p'.repeat(600)}`;
    const adminOnly = await delivered(
      sampleFiring({ links: { statusPage: long, admin: 'https://admin.example' } }),
    );
    expect(adminOnly).toMatchObject({ url: 'https://admin.example', url_title: 'Admin' });
    const none = await delivered(sampleFiring({ links: { statusPage: long } }));
    expect(none['url']).toBeUndefined();
    expect(none['url_title']).toBeUndefined();
  });

  it.each([
    [
      { status: 500, body: 'oops' },
      { isRetryable: true, status: 500 },
    ],
    [
      { status: 429, headers: { 'retry-after': '7' } },
      { isRetryable: true, status: 429, retryAfterMs: 7_000 },
    ],
    [{ status: 400, body: '{"status":0,"errors":["message cannot be blank"]}' }, { isRetryable: false }],
  ])('classifies an answer %j', async (answer, expected) => {
    receiver.script(answer);
    expect(await send()).toMatchObject(expected);
  });

  it('keeps the app token and user key out of errors, even when the answer echoes them', async () => {
    receiver.script({
      status: 400,
      body: `{"token":"${appToken}","user":"${userKey}","errors":["invalid"]}`,
    });
    const error = await send();
    expect(error.message).toContain('invalid');
    expect(error.message).not.toContain(appToken);
    expect(error.message).not.toContain(userKey);
  });

  it('a refused connection is retryable and names no secret', async () => {
    const closed = await startRecordingReceiver();
    await closed.close();
    const error = await send({}, closed.url);
    expect(error.isRetryable).toBe(true);
    expect(error.message).not.toContain(appToken);
    expect(error.message).not.toContain(userKey);
  });
});
