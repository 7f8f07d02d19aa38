import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One check as the upstream saw it: when it arrived and what it was answered. */
export interface CheckArrival {
  readonly atMs: number;
  readonly status: number;
}

export interface FlipUpstream {
  readonly url: string;
  /** Paths answered 503 from now on; every other path gets 200. */
  setFailing(paths: Iterable<string>, isFailing: boolean): void;
  /** Every request to `path` so far, in arrival order. */
  arrivalsOf(path: string): readonly CheckArrival[];
  close(): Promise<void>;
}

/** Epoch ms with sub-ms resolution, on the same scale as Bulwark's `since` and `startsAt`. */
export const epochNowMs = (): number => performance.timeOrigin + performance.now();

/**
 * What the monitors check: 200 or 503 per path, flipped by the bench, with every request's arrival time and
 * answer recorded. Each monitor has its own path, so the log tells exactly which check crossed a threshold.
 */
export async function startFlipUpstream(): Promise<FlipUpstream> {
  const failing = new Set<string>();
  const arrivals = new Map<string, CheckArrival[]>();
  const server = createServer((req, res) => {
    const atMs = epochNowMs();
    const path = req.url ?? '/';
    const status = failing.has(path) ? 503 : 200;
    let log = arrivals.get(path);
    if (!log) arrivals.set(path, (log = []));
    log.push({ atMs, status });
    req.resume();
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end(status === 200 ? 'ok' : 'no');
  });
  // 1,000 monitors each open a fresh connection every second: a short accept backlog would add SYN retries.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setFailing(paths, isFailing) {
      for (const path of paths) {
        if (isFailing) failing.add(path);
        else failing.delete(path);
      }
    },
    arrivalsOf: (path) => arrivals.get(path) ?? [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The check that crossed a threshold: the `count`-th request after `afterMs` answered `status`, counting only
 * an unbroken run of that status (a different answer in between restarts the count, as the hysteresis does).
 */
export function crossingCheck(
  arrivals: readonly CheckArrival[],
  afterMs: number,
  status: number,
  count: number,
): CheckArrival | undefined {
  let run = 0;
  for (const arrival of arrivals) {
    if (arrival.atMs < afterMs) continue;
    run = arrival.status === status ? run + 1 : 0;
    if (run === count) return arrival;
  }
  return undefined;
}
