import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { epochNowMs } from './flip-upstream.ts';

/**
 * A webhook receiver for the flapping scenario, which counts what notifications *say*: each alert's
 * `alertname` and status, which webhook-inbox.ts drops (it keeps what the storm needs, per monitor).
 */

export interface HeardAlert {
  readonly alertname: string;
  readonly status: string;
}

export interface HeardNotification {
  /** When the whole body had arrived. */
  readonly receivedAtMs: number;
  readonly component: string;
  readonly status: string;
  readonly alerts: readonly HeardAlert[];
}

export interface LabelledInbox {
  readonly url: string;
  readonly received: readonly HeardNotification[];
  close(): Promise<void>;
}

interface Envelope {
  readonly status: string;
  readonly groupLabels: Record<string, string>;
  readonly alerts: readonly { readonly status: string; readonly labels: Record<string, string> }[];
}

/** Bulwark's webhook and Alertmanager's share the v4 envelope, so one receiver reads both sides. */
export async function startLabelledInbox(): Promise<LabelledInbox> {
  const received: HeardNotification[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAtMs = epochNowMs();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope;
      received.push({
        receivedAtMs,
        component: envelope.groupLabels['component'] ?? '',
        status: envelope.status,
        alerts: envelope.alerts.map((a) => ({ alertname: a.labels['alertname'] ?? '', status: a.status })),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** "resolved: monitor-down (resolved)": a notification's status and what each of its alerts says. */
export function gistOf(n: HeardNotification): string {
  const alerts = n.alerts.map((a) => `${a.alertname} (${a.status})`).join(', ');
  return `${n.status}: ${alerts}`;
}
