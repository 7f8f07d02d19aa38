import { afterEach, describe, expect, it } from 'vitest';
import { writeTempConfig } from '../support/config-file.ts';
import { runCliWithEnv } from '../support/cli-run.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';

// `bulwark notify test` shows what a receiver will get: the admin link included, as real notifications have.

let receiver: RecordingReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function externalUrlSent(alerting: readonly string[] = []): Promise<unknown> {
  receiver = await startRecordingReceiver();
  const hookUrl = `${receiver.url}/hook`;
  const { file } = await writeTempConfig('bulwark-notify-test-', () =>
    [
      'listen: { admin: 127.0.0.1:18082 }',
      'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
      'routes: [{ pool: api }]',
      'alerting:',
      ...alerting,
      '  routes: [{ notify: [hooks] }]',
      `  notifiers: { hooks: { type: webhook, url: "${hookUrl}" } }`,
    ].join('\n'),
  );
  const sent = await runCliWithEnv({}, 'notify', 'test', 'hooks', '-c', file);
  expect(sent.code).toBe(0);
  const [request] = await receiver.waitForRequests(1);
  return (JSON.parse(request?.body ?? '{}') as { externalURL?: unknown }).externalURL;
}

describe('bulwark notify test', () => {
  it("links the admin listener of the config, as the running process's notifications do", async () => {
    expect(await externalUrlSent()).toBe('http://127.0.0.1:18082/api/v1/alerts');
  });

  it('links alerting.external_url when it is set', async () => {
    expect(await externalUrlSent(['  external_url: https://admin.example.com/'])).toBe(
      'https://admin.example.com/api/v1/alerts',
    );
  });
});
