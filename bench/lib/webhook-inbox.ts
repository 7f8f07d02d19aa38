import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { epochNowMs } from './flip-upstream.ts';

/** One alert of a delivered notification, as the webhook envelope carries it. */
export interface DeliveredAlert {
  readonly fingerprint: string;
  readonly status: 'firing' | 'resolved';
  readonly alertname: string;
  readonly monitor: string;
  readonly startsAtMs: number;
  /** NaN while firing (Go's zero time). */
  readonly endsAtMs: number;
}

/** One webhook request, reduced on arrival to what the bench counts: 1,000-alert bodies are not kept. */
export interface DeliveredNotification {
  /** When the whole body had arrived. */
  readonly receivedAtMs: number;
  readonly groupKey: string;
  readonly component: string;
  readonly status: string;
  readonly reason: string;
  readonly bodyBytes: number;
  readonly alerts: readonly DeliveredAlert[];
}

export interface WebhookInbox {
  readonly url: string;
  readonly received: readonly DeliveredNotification[];
  /** Resolves with the first notification, from now or already received, that `isWanted`; rejects after timeoutMs. */
  waitFor(isWanted: (n: DeliveredNotification) => boolean, timeoutMs: number): Promise<DeliveredNotification>;
  close(): Promise<void>;
}

interface Envelope {
  readonly groupKey: string;
  readonly status: string;
  readonly notification_reason: string;
  readonly groupLabels: Record<string, string>;
  readonly alerts: readonly {
    readonly fingerprint: string;
    readonly status: 'firing' | 'resolved';
    readonly labels: Record<string, string>;
    readonly startsAt: string;
    readonly endsAt: string;
  }[];
}

/**
 * The webhook notifier's receiver: timestamps each request when its body has fully arrived, answers 200.
 * Bulwark's webhook and Alertmanager's share the v4 envelope, so one receiver reads both sides.
 */
export async function startWebhookInbox(): Promise<WebhookInbox> {
  const received: DeliveredNotification[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAtMs = epochNowMs();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      const body = Buffer.concat(chunks);
      received.push(reduce(JSON.parse(body.toString('utf8')) as Envelope, receivedAtMs, body.length));
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    waitFor(isWanted, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(isWanted);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching notification within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reduce(envelope: Envelope, receivedAtMs: number, bodyBytes: number): DeliveredNotification {
  return {
    receivedAtMs,
    groupKey: envelope.groupKey,
    component: envelope.groupLabels['component'] ?? '',
    status: envelope.status,
    reason: envelope.notification_reason,
    bodyBytes,
    alerts: envelope.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      alertname: a.labels['alertname'] ?? '',
      monitor: a.labels['monitor'] ?? '',
      startsAtMs: Date.parse(a.startsAt),
      endsAtMs: a.status === 'resolved' ? Date.parse(a.endsAt) : Number.NaN,
    })),
  };
}

/** "resolved: monitor-down (resolved)": a notification's status and what each of its alerts says. */
export function gistOf(n: DeliveredNotification): string {
  const alerts = n.alerts.map((a) => `${a.alertname} (${a.status})`).join(', ');
  return `${n.status}: ${alerts}`;
}
