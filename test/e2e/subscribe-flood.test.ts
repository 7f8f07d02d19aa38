import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { adminJson } from '../support/admin-json.ts';
import { writeTempConfig, startFromFile } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const adminToken = 'subscribe-flood-token-0123456789';
const floodSize = 30;

/**
 * The security review's flood (one client posting plus-addresses of one inbox to the public form) against a
 * running Bulwark with a real SMTP relay.
 */
describe('a subscribe flood from one client', () => {
  let smtp: SmtpSink;
  let bulwark: RunningBulwark;
  const admin = adminJson(() => bulwark.adminUrl, adminToken);

  beforeAll(async () => {
    smtp = await startSmtpSink({ security: 'plain' });
    const { file } = await writeTempConfig('bulwark-subscribe-flood-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
        'routes: [{ pool: api }]',
        'status_page:',
        '  title: Acme Status',
        '  components: [{ name: API }]',
        '  subscribers:',
        `    email: { from: "Acme Status <status@acme.example>", smtp: { host: 127.0.0.1, port: ${smtp.port}, tls: none } }`,
      ].join('\n'),
    );
    bulwark = await startFromFile(file);
  });

  afterAll(async () => {
    await bulwark.stop();
    await smtp.close();
  });

  it('is cut off after a small burst with 429 and Retry-After, and reaches the inbox once', async () => {
    const answers: { status: number; retryAfter: string | null }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < floodSize) {
        const body = new URLSearchParams({ email: `victim+${next++}@example.com` });
        const res = await fetch(`${bulwark.statusUrl}/subscribe`, { method: 'POST', body });
        await res.arrayBuffer();
        answers.push({ status: res.status, retryAfter: res.headers.get('retry-after') });
      }
    };
    await Promise.all(Array.from({ length: 5 }, worker));
    // A burst of 10, then one every 12 s (a slow run may earn one more).
    const admitted = answers.filter((a) => a.status === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(11);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(floodSize - admitted);
    expect(refused.every((a) => Number(a.retryAfter) >= 1)).toBe(true);

    // Everything owed has been sent (or dead-lettered) before the inbox is counted.
    await eventually(
      async () => {
        const { body } = await admin<{ notifications: unknown[] }>(
          'GET',
          '/api/v1/notifications?state=pending',
        );
        return body.notifications.length === 0 && smtp.mails.length > 0;
      },
      10_000,
      'the outbox to drain',
    );
    // One inbox, one mail (ten requests admitted, all within 10 minutes), to the address as written.
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]?.envelopeTo).toEqual([expect.stringMatching(/^victim\+\d+@example\.com$/)]);
  });
});
