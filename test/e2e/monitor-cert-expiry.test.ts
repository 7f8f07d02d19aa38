import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../support/self-signed.ts';

interface AlertJson {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

// The reviewer's case: a plain http monitor of an https URL, no assertion naming cert.days_left.
describe('an https monitor without assertions, on a certificate about to expire', () => {
  let certificate: SelfSignedCertificate;
  let server: Server;
  let receiver: RecordingReceiver;
  let bulwark: RunningBulwark;
  let configDir: string;

  beforeAll(async () => {
    // The shared helper's certificates are valid for one day: 0 whole days left, below both thresholds.
    certificate = await makeSelfSignedCertificate();
    server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (_req, res) =>
      res.end('ok'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    receiver = await startRecordingReceiver();
    const { dir: tempDir, file } = await writeTempConfig('bulwark-monitor-cert-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${receiver.url}" }] } }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - { name: Shop, type: http, url: "${url}", verify_tls: false, interval: 200ms, timeout: 150ms }`,
        'alerting:',
        '  cert_expiry: { warning: 14d, critical: 7d }',
        '  routes: [{ notify: [hook] }]',
        `  notifiers: { hook: { type: webhook, url: "${receiver.url}/hook" } }`,
      ].join('\n'),
    );
    configDir = tempDir;
    bulwark = await startFromFile(file);
  });

  afterAll(async () => {
    await bulwark.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await receiver.close();
    await certificate.remove();
    await rm(configDir, { recursive: true, force: true });
  });

  it('raises a cert-expiry alert and exports the days left', async () => {
    const certAlerts = async (): Promise<AlertJson[]> => {
      const body = (await (await fetch(`${bulwark.adminUrl}/api/v1/alerts`)).json()) as {
        alerts: AlertJson[];
      };
      return body.alerts.filter((alert) => alert.labels['alertname'] === 'cert-expiry');
    };
    await eventually(async () => (await certAlerts()).length > 0, 5_000, 'a cert-expiry alert');
    expect((await certAlerts())[0]?.labels).toMatchObject({ monitor: 'shop', severity: 'critical' });
    const metrics = await (await fetch(`${bulwark.adminUrl}/metrics`)).text();
    expect(metrics).toContain('bulwark_monitor_cert_days_left{monitor="shop"} 0');
  });
});
