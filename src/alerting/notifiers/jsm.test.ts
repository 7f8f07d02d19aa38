import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import type { Notification } from '../notification.ts';
import { jsmNotifier } from './jsm.ts';
import { deliveryErrorOf, describeDeliveryContract, testIo } from './notifier.contract.ts';
import { opsgenieAlert } from './opsgenie.ts';

const apiToken = 'ATATT3xSECRETtoken0123456789';
const user = 'ops@acme.example';
const cloudId = 'a436116f-02ce-4520-8fbb-7301462a1674';

describeDeliveryContract({
  notifier: jsmNotifier,
  configFor: (baseUrl, secret) => ({
    type: 'jsm',
    cloud_id: cloudId,
    user,
    api_token: secret,
    api_url: baseUrl,
  }),
});

describe('jsm notifier', () => {
  let receiver: RecordingReceiver;
  beforeAll(async () => {
    receiver = await startRecordingReceiver({ status: 202, body: '{"result":"Request will be processed"}' });
  });
  afterAll(() => receiver.close());

  const config = () =>
    jsmNotifier.config.parse({
      type: 'jsm',
      cloud_id: cloudId,
      user,
      api_token: apiToken,
      api_url: receiver.url,
    });
  const base = `/jsm/ops/api/${cloudId}/v1/alerts`;
  const alias = createHash('sha256').update('route0:{component="API"}').digest('hex');
  const basicAuth = `Basic ${Buffer.from(`${user}:${apiToken}`).toString('base64')}`;

  /** The requests one send makes. */
  async function requestsOf(notification: Notification) {
    const before = receiver.requests.length;
    await jsmNotifier.send(notification, config(), testIo());
    return receiver.requests.slice(before);
  }

  it('sends resolved by default and talks to api.atlassian.com unless overridden', () => {
    expect(jsmNotifier.sendsResolvedByDefault).toBe(true);
    const parsed = jsmNotifier.config.parse({ type: 'jsm', cloud_id: cloudId, user, api_token: apiToken });
    expect(parsed.api_url).toBe('https://api.atlassian.com');
  });

  it('validates the email and keeps the cloud id to one path segment', () => {
    const input = { type: 'jsm', cloud_id: cloudId, user, api_token: apiToken };
    expect(jsmNotifier.config.safeParse({ ...input, user: 'ops' }).success).toBe(false);
    expect(jsmNotifier.config.safeParse({ ...input, cloud_id: '../v2' }).success).toBe(false);
  });

  it("creates an alert with Opsgenie's body under Basic auth", async () => {
    const [request, ...more] = await requestsOf(sampleFiring());
    expect(more).toEqual([]);
    expect(request).toMatchObject({ method: 'POST', url: base });
    expect(request?.headers['authorization']).toBe(basicAuth);
    expect(JSON.parse(request?.body ?? '')).toEqual(opsgenieAlert(sampleFiring(), undefined));
    expect(JSON.parse(request?.body ?? '')).toMatchObject({ alias, priority: 'P1', source: 'Bulwark' });
  });

  it('closes by id after looking the alias up', async () => {
    receiver.script({
      status: 200,
      body: `{"id":"9b251e07-1704440650350","alias":"${alias}","status":"open"}`,
    });
    const [lookup, close, ...more] = await requestsOf(sampleResolved());
    expect(more).toEqual([]);
    expect(lookup).toMatchObject({ method: 'GET', url: `${base}/alias?alias=${alias}`, body: '' });
    expect(lookup?.headers['authorization']).toBe(basicAuth);
    expect(close).toMatchObject({ method: 'POST', url: `${base}/9b251e07-1704440650350/close` });
    expect(close?.headers['authorization']).toBe(basicAuth);
    expect(JSON.parse(close?.body ?? '')).toEqual({ source: 'Bulwark', note: 'RESOLVED (2): API' });
  });

  it('treats a 404 on the lookup as already closed', async () => {
    receiver.script({ status: 404, body: '{"message":"Alert not found"}' });
    const requests = await requestsOf(sampleResolved());
    expect(requests.map((r) => r.method)).toEqual(['GET']);
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
    [
      { status: 401, body: 'unauthorized' },
      { isRetryable: false, status: 401 },
    ],
  ])('classifies a lookup answered %j', async (answer, expected) => {
    receiver.script(answer);
    const error = await deliveryErrorOf(jsmNotifier.send(sampleResolved(), config(), testIo()));
    expect(error).toMatchObject(expected);
  });

  it('gives up on a lookup answer without an id', async () => {
    receiver.script({ status: 200, body: '<html>maintenance</html>' });
    const error = await deliveryErrorOf(jsmNotifier.send(sampleResolved(), config(), testIo()));
    expect(error.isRetryable).toBe(false);
  });

  it('keeps the API token out of errors, even one the service echoes', async () => {
    receiver.script(
      { status: 200, body: '{"id":"a1"}' },
      { status: 403, body: `token ${apiToken} lacks scope` },
    );
    const error = await deliveryErrorOf(jsmNotifier.send(sampleResolved(), config(), testIo()));
    expect(error).toMatchObject({ isRetryable: false, status: 403 });
    expect(error.message).not.toContain(apiToken);
    expect(error.message).not.toContain(basicAuth.slice('Basic '.length));
  });
});
