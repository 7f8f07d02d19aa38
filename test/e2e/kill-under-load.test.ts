import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames, type AttemptEvent } from '../../src/core/events.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startFleet, type Fleet } from '../support/upstream-fleet.ts';

interface Sent {
  readonly id: string;
  readonly method: 'GET' | 'POST';
  status: number;
  error?: string;
}

const loadDurationMs = 6_000;
const killAtMs = 1_500;
const concurrency = 16;

describe('SIGKILL one of three upstreams under steady load', () => {
  let fleet: Fleet;
  let gateway: TestGateway;
  const sent: Sent[] = [];
  const attemptsToKilledAfterOneSecond: AttemptEvent[] = [];
  let killedAtMs = 0;
  let outOfRotationAfterMs = Number.POSITIVE_INFINITY;

  beforeAll(async () => {
    fleet = await startFleet(3, { processes: true });
    gateway = await startTestGateway({
      pools: {
        api: {
          balancer: 'least-request',
          endpoints: fleet.urls.map((url) => ({ url })),
          health_check: {
            path: '/healthz',
            interval: '500ms',
            timeout: '250ms',
            unhealthy_threshold: 2,
            healthy_threshold: 2,
          },
          outlier_detection: { consecutive_failures: 5, base_ejection: '30s' },
        },
      },
      routes: [
        {
          pool: 'api',
          retry: { attempts: 3, on: ['connect-failure', 'refused', 'reset-before-response', 502, 503] },
        },
      ],
    });
    const killed = new URL(fleet.urls[1]!).host;
    const onAttempt = (message: unknown): void => {
      const event = message as AttemptEvent;
      if (killedAtMs > 0 && event.endpoint === killed && performance.now() - killedAtMs > 1_000)
        attemptsToKilledAfterOneSecond.push(event);
    };
    subscribe(channelNames.attempt, onAttempt);
    const client = new Agent({ connections: concurrency });
    const startedMs = performance.now();
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; performance.now() - startedMs < loadDurationMs; i++) {
        const method = i % 2 === 0 ? 'GET' : 'POST';
        const entry: Sent = { id: `w${w}-${i}`, method, status: 0 };
        sent.push(entry);
        try {
          const res = await request(`${gateway.url}/echo`, {
            dispatcher: client,
            method,
            headers: { 'x-request-id': entry.id, 'content-type': 'application/json' },
            body: method === 'POST' ? JSON.stringify({ n: i }) : null,
          });
          entry.status = res.statusCode;
          await res.body.dump();
        } catch (error) {
          entry.error = String(error);
        }
      }
    };
    const watchRotation = async (): Promise<void> => {
      await eventually(() => performance.now() - startedMs >= killAtMs, killAtMs + 1_000, 'kill time');
      await fleet.kill(1);
      killedAtMs = performance.now();
      await eventually(
        () => {
          const endpoint = gateway.gateway.status()[0]?.endpoints.find((e) => e.id === killed);
          return endpoint !== undefined && (endpoint.isEjected || !endpoint.isHealthy);
        },
        5_000,
        'the killed endpoint to leave rotation',
      );
      outOfRotationAfterMs = performance.now() - killedAtMs;
    };
    await Promise.all([...Array.from({ length: concurrency }, (_, w) => worker(w)), watchRotation()]);
    unsubscribe(channelNames.attempt, onAttempt);
    await client.close();
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await fleet?.stop();
  });

  it('sent at least 2,000 requests over at least 5 s, GETs and POSTs', () => {
    expect(sent.length).toBeGreaterThanOrEqual(2_000);
    expect(sent.filter((s) => s.method === 'POST').length).toBeGreaterThan(500);
  });

  it('failed no GET', () => {
    expect(sent.filter((s) => s.method === 'GET' && s.status !== 200)).toEqual([]);
  });

  it('failed no POST that had not reached the killed upstream', () => {
    const reachedKilled = new Set(fleet.receivedIds(1));
    const failedElsewhere = sent.filter(
      (s) => s.method === 'POST' && s.status !== 200 && !reachedKilled.has(s.id),
    );
    expect(failedElsewhere).toEqual([]);
  });

  it('took the dead endpoint out of rotation within 1 s', () => {
    expect(outOfRotationAfterMs).toBeLessThan(1_000);
    expect(attemptsToKilledAfterOneSecond).toEqual([]);
  });
});
