import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type CoolDownEvent, type EjectionEvent, type RequestEvent } from '../core/index.ts';
import { subscribeGatewayLogs } from './gateway-logs.ts';
import { createLogger, type LogLevel } from './logger.ts';

function memoryLogger(level: LogLevel = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  const records = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

const refused: RequestEvent = {
  requestId: 'req-1',
  method: 'POST',
  path: '/v1/chat/completions',
  route: '2',
  pool: 'llm',
  endpoint: '',
  status: 429,
  durationMs: 0,
  attempts: 0,
  errorCode: 'GW_RATE_LIMITED',
};

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe('gateway logs: which limit refused', () => {
  it('names the route, pool and rate limit behind each overload summary', () => {
    const { logger, records } = memoryLogger();
    let nowMs = 0;
    stops.push(subscribeGatewayLogs(logger, { nowMs: () => nowMs }));
    const publish = (event: Partial<RequestEvent>, count: number): void => {
      for (let i = 0; i < count; i++) channel(channelNames.request).publish({ ...refused, ...event });
    };
    publish({ limit: 'per-key', keyFingerprint: 'AAAA' }, 1);
    nowMs = 5_000;
    publish({ limit: 'per-key', keyFingerprint: 'BBBB' }, 3);
    publish({ limit: 'per-ip', keyFingerprint: 'CCCC' }, 2);
    publish({ route: '0', pool: 'api', status: 503, errorCode: 'GW_THROTTLED' }, 4);
    nowMs = 10_000;
    publish({ route: '0', pool: 'api', status: 503, errorCode: 'GW_SHED' }, 1);
    const summaries = records().filter((r) => r.event === 'overload');
    expect(summaries.map((r) => r.sources)).toEqual([
      [{ code: 'GW_RATE_LIMITED', route: '2', pool: 'llm', limit: 'per-key', count: 1 }],
      [
        { code: 'GW_RATE_LIMITED', route: '2', pool: 'llm', limit: 'per-key', count: 3 },
        { code: 'GW_RATE_LIMITED', route: '2', pool: 'llm', limit: 'per-ip', count: 2 },
        { code: 'GW_THROTTLED', route: '0', pool: 'api', count: 4 },
        { code: 'GW_SHED', route: '0', pool: 'api', count: 1 },
      ],
    ]);
    expect(summaries[1]?.refused).toEqual({ GW_RATE_LIMITED: 5, GW_THROTTLED: 4, GW_SHED: 1 });
  });

  it('logs each refusal at debug with its route, pool, rate limit and key fingerprint', () => {
    const { logger, records } = memoryLogger('debug');
    stops.push(subscribeGatewayLogs(logger));
    channel(channelNames.request).publish({ ...refused, limit: 'per-key', keyFingerprint: 'q1w2e3r4t5y6' });
    expect(records().find((r) => r.event === 'request')).toMatchObject({
      level: 'debug',
      route: '2',
      pool: 'llm',
      errorCode: 'GW_RATE_LIMITED',
      limit: 'per-key',
      keyFingerprint: 'q1w2e3r4t5y6',
    });
  });

  it("logs a cool-down's start (status, Retry-After, duration) and its end at info", () => {
    const { logger, records } = memoryLogger();
    stops.push(subscribeGatewayLogs(logger));
    const at = { pool: 'llm', endpoint: 'gpu-1:8080' };
    const start: CoolDownEvent = {
      ...at,
      isCooling: true,
      status: 503,
      retryAfterMs: 120_000,
      durationMs: 60_000,
    };
    channel(channelNames.coolDown).publish(start);
    channel(channelNames.coolDown).publish({
      ...at,
      isCooling: false,
      status: 0,
      retryAfterMs: 0,
      durationMs: 0,
    });
    expect(records().map(({ time: _time, pid: _pid, hostname: _host, ...r }) => r)).toEqual([
      {
        level: 'info',
        component: 'gateway',
        event: 'cool-down',
        ...at,
        status: 503,
        retryAfterMs: 120_000,
        coolDownMs: 60_000,
        msg: "endpoint cooling down on its upstream's Retry-After",
      },
      {
        level: 'info',
        component: 'gateway',
        event: 'cool-down',
        ...at,
        msg: 'endpoint returned from cool-down',
      },
    ]);
  });
});

describe('gateway logs: refused ejections', () => {
  const refusal = (endpoint: string): EjectionEvent => ({
    pool: 'api',
    endpoint,
    isEjected: false,
    isRefused: true,
    durationMs: 0,
    reason:
      'refused: 3 consecutive upstream failures; 0 already ejected, the last endpoint in rotation is never ejected',
  });
  const publish = (event: EjectionEvent): void => channel(channelNames.ejection).publish(event);

  it('warns at once, then at most once per endpoint per 10 s with the refusals folded in', () => {
    const { logger, records } = memoryLogger();
    let nowMs = 0;
    stops.push(subscribeGatewayLogs(logger, { nowMs: () => nowMs }));
    // The audit's case: 27 failures with consecutive_failures 3, nine refusals in under 3 s.
    for (let i = 0; i < 9; i++, nowMs += 300) publish(refusal('a:80'));
    publish(refusal('b:80'));
    nowMs = 10_000;
    publish(refusal('a:80'));
    const warnings = records().filter((r) => r.event === 'ejection');
    expect(warnings.map((r) => [r.level, r.endpoint, r.refusals, r.periodMs])).toEqual([
      ['warn', 'a:80', 1, 0],
      ['warn', 'b:80', 1, 0],
      ['warn', 'a:80', 9, 10_000],
    ]);
    expect(warnings[2]).toMatchObject({
      msg: 'endpoint keeps taking traffic though outlier detection would eject it',
      reason: refusal('a:80').reason,
    });
  });

  it('warns at once again about an endpoint refused after it was ejected and returned', () => {
    const { logger, records } = memoryLogger();
    let nowMs = 0;
    stops.push(subscribeGatewayLogs(logger, { nowMs: () => nowMs }));
    publish(refusal('a:80'));
    nowMs = 1_000;
    publish({ ...refusal('a:80'), isEjected: true, isRefused: false, durationMs: 1_000, reason: 'failures' });
    nowMs = 2_000;
    publish({ ...refusal('a:80'), isRefused: false, reason: 'ejection time elapsed' });
    nowMs = 3_000;
    publish(refusal('a:80'));
    const refused = records().filter((r) => r.refusals !== undefined);
    expect(refused.map((r) => [r.refusals, r.periodMs])).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });
});

describe('gateway logs: the client', () => {
  it('bounds the user agent to 256 characters and escapes control characters, on one line', () => {
    const { logger, lines, records } = memoryLogger();
    stops.push(subscribeGatewayLogs(logger, { accessLog: true }));
    const forged = 'evil\n{"level":"error"}\u001b[31m';
    const userAgent = `${forged}${'x'.repeat(300)}`;
    const client = {
      httpVersion: '1.1',
      headers: { 'user-agent': userAgent, authorization: 'Bearer s3cret' },
    };
    channel(channelNames.request).publish({ ...refused, status: 200, errorCode: undefined, client });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.trimEnd()).not.toContain('\n');
    expect(lines[0]).not.toContain('s3cret');
    const expected = `evil\\x0a{"level":"error"}\\x1b[31m${'x'.repeat(256 - forged.length)}…`;
    expect(records()[0]).toMatchObject({ userAgent: expected, protocol: 'HTTP/1.1' });
  });
});
