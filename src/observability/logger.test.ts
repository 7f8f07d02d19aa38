import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type RequestEvent } from '../core/index.ts';
import { subscribeGatewayLogs } from './gateway-logs.ts';
import { createLogger, type LogLevel } from './logger.ts';

/** An in-memory destination: pino writes one JSON line per call. */
function memoryLogger(level: LogLevel = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  const records = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

const request: RequestEvent = {
  requestId: 'req-1',
  method: 'GET',
  path: '/v1/items?token=abc',
  route: '0',
  pool: 'api',
  endpoint: 'a:80',
  status: 200,
  durationMs: 12,
  attempts: 1,
};

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe('createLogger', () => {
  it('writes JSON lines with level names and ISO times', () => {
    const { logger, records } = memoryLogger();
    logger.info({ pool: 'api' }, 'hello');
    logger.debug('hidden below the level');
    const [record, ...rest] = records();
    expect(rest).toEqual([]);
    expect(record).toMatchObject({ level: 'info', msg: 'hello', pool: 'api' });
    expect(String(record?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('never writes a secret', () => {
    const { logger, lines } = memoryLogger();
    const secret = 's3cr3t-value';
    logger.warn({
      password: secret,
      headers: { authorization: `Bearer ${secret}`, cookie: secret, 'set-cookie': secret },
      req: { headers: { authorization: secret, 'proxy-authorization': secret } },
      notifier: { routing_key: secret, webhook_url: `https://hooks.example/${secret}`, webhookUrl: secret },
      config: { pagerduty: { routingKey: secret, token: secret } },
      user: { name: 'ada', secret },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain('"name":"ada"');
    expect(lines[0]).toContain('[REDACTED]');
  });
});

describe('subscribeGatewayLogs', () => {
  it('logs health, ejection and pool mode changes at levels that match their urgency', () => {
    const { logger, records } = memoryLogger();
    stops.push(subscribeGatewayLogs(logger));
    const ep = { pool: 'api', endpoint: 'a:80' };
    channel(channelNames.health).publish({ ...ep, isHealthy: false, detail: 'GET /healthz: 500' });
    channel(channelNames.health).publish({ ...ep, isHealthy: true, detail: 'GET /healthz: 200' });
    channel(channelNames.ejection).publish({
      ...ep,
      isEjected: true,
      isRefused: false,
      durationMs: 30_000,
      reason: '5 failures',
    });
    const stay = { isEjected: false, durationMs: 0 };
    channel(channelNames.ejection).publish({ ...ep, ...stay, isRefused: false, reason: 'expired' });
    channel(channelNames.ejection).publish({
      ...ep,
      ...stay,
      isRefused: true,
      reason: 'refused: 5 failures',
    });
    channel(channelNames.poolMode).publish({ pool: 'api', mode: 'panic', healthyShare: 0.2 });
    channel(channelNames.poolMode).publish({
      pool: 'api',
      mode: 'failover',
      healthyShare: 0.2,
      failoverTo: 'dr',
    });
    channel(channelNames.poolMode).publish({ pool: 'api', mode: 'normal', healthyShare: 1 });

    expect(records().map((r) => [r.event, r.level])).toEqual([
      ['health', 'warn'],
      ['health', 'info'],
      ['ejection', 'warn'],
      ['ejection', 'info'],
      ['ejection', 'warn'],
      ['pool-mode', 'error'],
      ['pool-mode', 'warn'],
      ['pool-mode', 'info'],
    ]);
    expect(records()[2]).toMatchObject({
      component: 'gateway',
      pool: 'api',
      endpoint: 'a:80',
      ejectionMs: 30_000,
    });
    expect(records()[4]).toMatchObject({
      msg: 'endpoint keeps taking traffic though outlier detection would eject it',
    });
    expect(records()[6]).toMatchObject({ failoverTo: 'dr' });
  });

  it('logs failed requests only, unless the access log is on', () => {
    const { logger, records } = memoryLogger();
    const stop = subscribeGatewayLogs(logger);
    channel(channelNames.request).publish(request);
    channel(channelNames.request).publish({ ...request, requestId: 'req-2', status: 502 });
    channel(channelNames.request).publish({
      ...request,
      requestId: 'req-3',
      status: 504,
      errorCode: 'GW_UPSTREAM_TIMEOUT',
    });
    channel(channelNames.request).publish({
      ...request,
      requestId: 'req-4',
      status: 499,
      errorCode: 'GW_CLIENT_CLOSED',
    });
    stop();
    channel(channelNames.request).publish({ ...request, requestId: 'after-stop', status: 500 });

    expect(records().map((r) => [r.requestId, r.level])).toEqual([
      ['req-2', 'warn'],
      ['req-3', 'warn'],
      ['req-4', 'info'],
    ]);
    expect(records()[1]).toEqual(
      expect.objectContaining({
        route: '0',
        pool: 'api',
        endpoint: 'a:80',
        status: 504,
        durationMs: 12,
        errorCode: 'GW_UPSTREAM_TIMEOUT',
        path: '/v1/items',
      }),
    );
  });

  it('sums overload refusals into one warning per 10 s instead of one line per request', () => {
    const { logger, records } = memoryLogger();
    let nowMs = 0;
    stops.push(subscribeGatewayLogs(logger, { nowMs: () => nowMs }));
    const refuse = (errorCode: RequestEvent['errorCode'], count: number): void => {
      for (let i = 0; i < count; i++)
        channel(channelNames.request).publish({ ...request, status: 503, errorCode });
    };
    refuse('GW_SHED', 1);
    nowMs = 5_000;
    refuse('GW_SHED', 500);
    refuse('GW_RATE_LIMITED', 20);
    nowMs = 10_000;
    refuse('GW_QUEUE_TIMEOUT', 1);
    nowMs = 60_000;
    refuse('GW_THROTTLED', 1);
    expect(records().map((r) => [r.event, r.level, r.refused, r.periodMs])).toEqual([
      ['overload', 'warn', { GW_SHED: 1 }, 0],
      ['overload', 'warn', { GW_SHED: 500, GW_RATE_LIMITED: 20, GW_QUEUE_TIMEOUT: 1 }, 10_000],
      ['overload', 'warn', { GW_THROTTLED: 1 }, 50_000],
    ]);
  });

  it('logs every request at info with the access log on', () => {
    const { logger, records } = memoryLogger();
    stops.push(subscribeGatewayLogs(logger, { accessLog: true }));
    channel(channelNames.request).publish(request);
    expect(records()).toEqual([
      expect.objectContaining({ level: 'info', event: 'request', requestId: 'req-1' }),
    ]);
  });
});
