import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingReceiver, type RecordingReceiver } from '../../../test/support/recording-receiver.ts';
import { sampleFiring } from '../../../test/support/sample-notification.ts';
import { DeliveryError, type Notifier, type NotifierIo } from './notifier.ts';

/** A notifier that POSTs to a URL, with a config whose URL carries `secret` as the real service's does. */
export interface DeliveryContractSubject<C extends { readonly type: string }> {
  readonly notifier: Notifier<C>;
  /** The config's input (as YAML would give it) posting to `baseUrl`, with `secret` in the path or query. */
  readonly configFor: (baseUrl: string, secret: string) => unknown;
}

const secret = 'T0SECRET/B0SECRET/xoxSECRETtoken';

/** A fixed wall clock and a signal that never fires: what the outbox hands a notifier. */
export function testIo(nowMs = Date.UTC(2026, 10, 21, 9, 31, 0)): NotifierIo {
  return { nowMs: () => nowMs, signal: new AbortController().signal };
}

/** Sends and returns the DeliveryError it rejects with (fails the test when it resolves). */
export async function deliveryErrorOf(promise: Promise<void>): Promise<DeliveryError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

/** What every URL-posting notifier promises about acceptance, retry classification and secrecy. */
export function describeDeliveryContract<C extends { readonly type: string }>(
  subject: DeliveryContractSubject<C>,
): void {
  const { notifier } = subject;
  describe(`${notifier.kind}: delivery contract`, () => {
    let receiver: RecordingReceiver;
    let config: C;
    beforeAll(async () => {
      receiver = await startRecordingReceiver();
      config = notifier.config.parse(subject.configFor(receiver.url, secret));
    });
    afterAll(() => receiver.close());

    const send = () => notifier.send(sampleFiring(), config, testIo());

    it('resolves on 2xx after one JSON POST', async () => {
      const before = receiver.requests.length;
      receiver.script({ status: 204 });
      await send();
      expect(receiver.requests).toHaveLength(before + 1);
      const request = receiver.requests.at(-1);
      expect(request?.method).toBe('POST');
      expect(request?.headers['content-type']).toBe('application/json');
      expect(() => JSON.parse(request?.body ?? '') as unknown).not.toThrow();
    });

    it('a 500 is retryable', async () => {
      receiver.script({ status: 500, body: 'internal error' });
      const error = await deliveryErrorOf(send());
      expect(error).toMatchObject({ isRetryable: true, status: 500 });
    });

    it("a 429 is retryable after the service's Retry-After", async () => {
      receiver.script({ status: 429, headers: { 'retry-after': '7' } });
      const error = await deliveryErrorOf(send());
      expect(error).toMatchObject({ isRetryable: true, status: 429, retryAfterMs: 7_000 });
    });

    it('a 400 is permanent: the message or the config is wrong', async () => {
      receiver.script({ status: 400, body: '{"error":"invalid_payload"}' });
      const error = await deliveryErrorOf(send());
      expect(error).toMatchObject({ isRetryable: false, status: 400 });
    });

    it("errors name the service's origin, never the URL's secret part", async () => {
      receiver.script({ status: 403, body: 'forbidden' });
      const error = await deliveryErrorOf(send());
      expect(error.message).toContain(new URL(receiver.url).origin);
      for (const part of secret.split('/')) {
        expect(error.message).not.toContain(part);
        expect(error.stack ?? '').not.toContain(part);
      }
    });

    it('a service echoing the request path in its error (an Express 404) leaks no part of the URL', async () => {
      receiver.script({ status: 204 });
      await send();
      const target = receiver.requests.at(-1)?.url ?? '';
      const echo = `<pre>Cannot POST ${target}</pre> (${decodeURIComponent(target)})`;
      receiver.script({ status: 404, body: echo });
      const error = await deliveryErrorOf(send());
      for (const part of secret.split('/')) expect(error.message).not.toContain(part);
      expect(error.message).toContain('answered 404');
    });

    it('a refused connection is retryable and names no secret', async () => {
      const closed = await startRecordingReceiver();
      await closed.close();
      const offline = notifier.config.parse(subject.configFor(closed.url, secret));
      const error = await deliveryErrorOf(notifier.send(sampleFiring(), offline, testIo()));
      expect(error.isRetryable).toBe(true);
      expect(error.message).not.toContain('SECRET');
    });

    it('the config schema rejects unknown keys', () => {
      const input = subject.configFor(receiver.url, secret) as Record<string, unknown>;
      expect(notifier.config.safeParse({ ...input, chanel: '#ops' }).success).toBe(false);
    });
  });
}
