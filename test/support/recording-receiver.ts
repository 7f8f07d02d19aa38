import type { IncomingHttpHeaders } from 'node:http';
import { startTestUpstream } from './test-upstream.ts';

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as the client sent them. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface RecordingReceiver {
  readonly url: string;
  readonly requests: readonly ReceivedRequest[];
  /** Answers for the next requests, in order; once used up every request gets `fallback`. */
  script(...answers: ScriptedAnswer[]): void;
  /** Resolves when at least `n` requests have arrived; rejects after `timeoutMs`. */
  waitForRequests(n: number, timeoutMs?: number): Promise<readonly ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * A stand-in for a notification service on 127.0.0.1: records every request (method, path, headers, body)
 * and answers from a script, so a test can assert the exact payload and drive 429/500-then-200 sequences.
 */
export async function startRecordingReceiver(
  fallback: ScriptedAnswer = { status: 200, body: '{}' },
): Promise<RecordingReceiver> {
  const requests: ReceivedRequest[] = [];
  const answers: ScriptedAnswer[] = [];
  const waiters = new Set<() => void>();
  const upstream = await startTestUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = answers.shift() ?? fallback;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '');
      for (const wake of waiters) wake();
    });
  });
  return {
    url: upstream.url,
    requests,
    script: (...next) => answers.push(...next),
    waitForRequests(n, timeoutMs = 5_000) {
      if (requests.length >= n) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${n} requests within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        const check = () => {
          if (requests.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests);
        };
        waiters.add(check);
      });
    },
    close: () => upstream.close(),
  };
}
