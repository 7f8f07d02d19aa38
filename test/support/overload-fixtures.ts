import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { startTestUpstream, type TestUpstream } from './test-upstream.ts';

/** What the overload tests read of an answer: the status, the headers and the error code if any. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly code: string | undefined;
  readonly body: string;
}

/** One request to the gateway; `code` is the `error.code` of a JSON error body. */
export async function send(url: string, headers: Record<string, string> = {}, path = '/'): Promise<Answer> {
  const res = await request(`${url}${path}`, { headers });
  const body = await res.body.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: res.statusCode, headers: res.headers, code, body };
}

/** An upstream that counts the requests it serves (not its health checks); `upstreams` closes it after the test. */
export async function countingUpstream(
  upstreams: TestUpstream[],
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok'),
): Promise<{ url: string; served: () => number }> {
  let served = 0;
  const upstream = await startTestUpstream((req, res) => {
    if (req.url !== '/healthz') served++;
    answer(req, res);
  });
  upstreams.push(upstream);
  return { url: upstream.url, served: () => served };
}
