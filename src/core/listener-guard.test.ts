import { describe, expect, it } from 'vitest';
import type { Clock } from './clock.ts';
import {
  guardListener,
  httpSettingsOf,
  type ListenerLimits,
  type RefusedConnections,
} from './listener-guard.ts';

const limits: ListenerLimits = {
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 4,
  maxConnectionsPerIp: 0,
};

/** A server that only records what the guard set and hands back its 'drop' listener. */
function fakeServer() {
  const server = {
    maxConnections: 0,
    drop: (): void => undefined,
    on(event: string, listener: (...args: never[]) => void): void {
      if (event === 'drop') server.drop = listener;
    },
  };
  return server;
}

/** Time that moves only when told; one timer at most is all the tally keeps. */
function manualClock(): Clock & { advance(ms: number): void } {
  let nowMs = 0;
  let timer: { dueMs: number; fn: () => void } | undefined;
  return {
    nowMs: () => nowMs,
    setTimer(delayMs, fn) {
      const mine = { dueMs: nowMs + delayMs, fn };
      timer = mine;
      return () => {
        if (timer === mine) timer = undefined;
      };
    },
    advance(ms) {
      nowMs += ms;
      const due = timer;
      if (due && due.dueMs <= nowMs) {
        timer = undefined;
        due.fn();
      }
    },
  };
}

describe('guardListener', () => {
  it('sets the total cap and, on stop, reports the refusals of the period under way', () => {
    const server = fakeServer();
    const clock = manualClock();
    const reports: RefusedConnections[] = [];
    const stop = guardListener(server, limits, {
      refusal: { code: 'X', message: 'x' },
      report: (refused) => reports.push(refused),
      clock,
    });
    expect(server.maxConnections).toBe(4);
    server.drop();
    server.drop();
    clock.advance(3_000);
    server.drop();
    stop();
    expect(reports).toEqual([
      { overPerIp: 0, overTotal: 1, periodMs: 0 },
      { overPerIp: 0, overTotal: 2, periodMs: 3_000 },
    ]);
    // A quiet period ends the reporting: nothing more is said until the next refusal.
    clock.advance(60_000);
    expect(reports).toHaveLength(2);
  });
});

describe('httpSettingsOf', () => {
  it('keeps the header timeout within the request timeout and checks both often enough to be on time', () => {
    expect(httpSettingsOf(limits)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
    });
    const short = httpSettingsOf({ ...limits, headerTimeoutMs: 60_000, requestTimeoutMs: 200 });
    expect([short.headersTimeout, short.connectionsCheckingInterval]).toEqual([200, 50]);
  });
});
