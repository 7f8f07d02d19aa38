import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startStatusAdmin, type StatusAdminHarness } from './status-admin.test-support.ts';
import * as routes from './status-subscribe-routes.ts';

const startMs = Date.UTC(2026, 10, 20, 9);
const relay = 'smtp: { host: 127.0.0.1, port: 9, tls: none }';
const pageYaml = (maxSubscribers = 10_000) => [
  'status_page:',
  '  title: Acme',
  '  components: [{ name: API }]',
  '  subscribers:',
  `    email: { from: "Acme <status@acme.example>", ${relay}, max_subscribers: ${maxSubscribers} }`,
];

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

/** A form POST from `localAddress` (any 127.x address reaches the loopback listener). */
function post(
  baseUrl: string,
  path: string,
  fields: Record<string, string>,
  localAddress = '127.0.0.1',
): Promise<Answer> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, baseUrl),
      {
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let harness: StatusAdminHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

async function started(maxSubscribers?: number): Promise<StatusAdminHarness> {
  harness = await startStatusAdmin(pageYaml(maxSubscribers), startMs);
  return harness;
}

// A burst of 10, then one every 12 s.
const burst = 10;
const refillMs = 12_000;

describe('the subscription form: limits per client', () => {
  it('answers a client past its burst 429 with Retry-After, whatever the address or path, until its bucket refills', async () => {
    const h = await started();
    const url = h.host.url;
    for (let i = 0; i < burst; i++)
      expect((await post(url, '/subscribe', { email: `victim+${i}@example.com` })).status).toBe(200);
    const refused = [
      await post(url, '/subscribe', { email: 'victim+99@example.com' }),
      await post(url, '/subscribe', { email: 'someone.else@example.org' }),
      await post(url, '/subscribe/confirm', { token: 'guessed' }),
      await post(url, '/unsubscribe', { token: 'guessed' }),
    ];
    expect(refused.map((a) => [a.status, a.retryAfter])).toEqual(Array(4).fill([429, '12']));
    expect(new Set(refused.map((a) => a.body)).size).toBe(1);
    expect(refused[0]?.body).toContain('Too many requests');

    // Another client is its own bucket.
    expect((await post(url, '/subscribe', { email: 'bo@example.com' }, '127.0.0.2')).status).toBe(200);

    h.clock.advance(refillMs);
    expect((await post(url, '/subscribe', { email: 'cy@example.com' })).status).toBe(200);
    expect((await post(url, '/subscribe', { email: 'dee@example.com' })).status).toBe(429);
  });

  it('never limits a link from one of our mails: one-click unsubscribes come from a few shared addresses', async () => {
    const h = await started();
    const url = h.host.url;
    const added = await h.admin<{ id: string }>('POST', '/api/v1/subscribers', {
      subscriber: { email: 'ada@example.com' },
    });
    expect(added.status).toBe(201);
    const token = h.host.book.subscribers()[0]?.token ?? '';
    for (let i = 0; i <= burst; i++) await post(url, '/unsubscribe', { token: `guess-${i}` });
    expect((await post(url, '/unsubscribe', { token: 'guess-again' })).status).toBe(429);
    expect((await post(url, `/unsubscribe?token=${token}`, { 'List-Unsubscribe': 'One-Click' })).status).toBe(
      200,
    );
    expect(h.host.book.subscribers()).toEqual([]);
  });
});

describe('the subscription form at max_subscribers', () => {
  it('answers a subscribed and an unknown address alike, confirms nobody more, and logs once when full and once when not', async () => {
    const h = await started(1);
    const url = h.host.url;
    expect((await post(url, '/subscribe', { email: 'cy@example.com' }, '127.0.0.4')).status).toBe(200);
    const cyToken = h.host.book.subscribers()[0]?.token ?? '';
    const ada = await h.admin<{ id: string }>('POST', '/api/v1/subscribers', {
      subscriber: { email: 'ada@example.com' },
    });
    const subscribed = await post(url, '/subscribe', { email: 'ada@example.com' });
    const unknown = await post(url, '/subscribe', { email: 'bo@example.com' }, '127.0.0.2');
    expect([subscribed.status, unknown.status]).toEqual([503, 503]);
    expect(subscribed.body).toBe(unknown.body);
    const refusedConfirm = await post(url, '/subscribe/confirm', { token: cyToken });
    expect(refusedConfirm.status).toBe(503);
    expect(refusedConfirm.body).toContain('Subscriptions full');

    const events = () =>
      h.logs.map((l) => l['event']).filter((e) => e === 'subscribers-full' || e === 'subscribers-not-full');
    const minute = async () => {
      h.clock.advance(60_000);
      for (let i = 0; i < 3; i++) await h.host.serially(() => Promise.resolve());
    };
    await minute();
    await minute();
    expect(events()).toEqual(['subscribers-full']);
    expect(h.logs.find((l) => l['event'] === 'subscribers-full')).toMatchObject({
      level: 'warn',
      confirmed: 1,
      maxSubscribers: 1,
    });
    await h.admin('DELETE', `/api/v1/subscribers/${ada.body.id}`);
    await minute();
    expect(events()).toEqual(['subscribers-full', 'subscribers-not-full']);
    expect((await post(url, '/subscribe/confirm', { token: cyToken })).status).toBe(200);
  });
});

describe('ClientLimiter', () => {
  it('holds at most maxClients clients however many addresses send', () => {
    const limiter = new routes.ClientLimiter({ ratePerSecond: 1 / 60, burst: 2 }, 100, startMs);
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`, startMs);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});
