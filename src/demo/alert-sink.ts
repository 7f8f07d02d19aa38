import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the demo's alerts go instead of Slack or PagerDuty: a local webhook receiver that prints them. */
export interface AlertSink {
  readonly url: string;
  close(): Promise<void>;
}

interface WebhookBody {
  readonly status?: string;
  readonly alerts?: readonly { readonly status?: string; readonly annotations?: Record<string, string> }[];
}

export async function startAlertSink(print: (line: string) => void): Promise<AlertSink> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookBody;
        for (const alert of body.alerts ?? [])
          print(`[alert ${alert.status ?? body.status ?? '?'}] ${alert.annotations?.['summary'] ?? ''}`);
      } catch {
        print('[alert] (a notification that was not JSON)');
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
