import { describe, expect, it } from 'vitest';
import type { Alert } from '../alert.ts';
import { parsePoolCondition, type PoolRule } from './pool-rule.ts';
import { PoolRules, type PoolSample } from './pool-rules.ts';

function rule(name: string, when: string, forMs = 0, windowMs = 60_000): PoolRule {
  const condition = parsePoolCondition(when);
  if ('error' in condition) throw new Error(condition.error);
  return { name, pool: 'api', condition, forMs, windowMs, severity: 'critical', labels: {}, text: when };
}

function sample(partial: Partial<PoolSample>): PoolSample {
  return { pool: 'api', healthyShare: 1, requests: 0, errors: 0, latencyBuckets: [], ...partial };
}

function recorder() {
  const events: string[] = [];
  const alerts = new Map<string, Alert>();
  return {
    events,
    alerts,
    sink: {
      fire(alert: Alert) {
        if (!alerts.has(alert.fingerprint))
          events.push(`fire ${alert.labels['alertname']} @${alert.startsAtMs}`);
        alerts.set(alert.fingerprint, alert);
      },
      resolve(fingerprint: string, endsAtMs?: number) {
        events.push(`resolve ${alerts.get(fingerprint)?.labels['alertname']} @${endsAtMs}`);
        alerts.delete(fingerprint);
      },
    },
  };
}

describe('parsePoolCondition', () => {
  it('reads the three signals with typed thresholds', () => {
    expect(parsePoolCondition('healthy_share < 50%')).toEqual({
      signal: 'healthy_share',
      comparison: '<',
      threshold: 0.5,
    });
    expect(parsePoolCondition('error_ratio > 5%')).toEqual({
      signal: 'error_ratio',
      comparison: '>',
      threshold: 0.05,
    });
    expect(parsePoolCondition('p99_latency >= 800ms')).toEqual({
      signal: 'p99_latency',
      comparison: '>=',
      threshold: 800,
    });
  });

  it('explains what it expected', () => {
    expect(parsePoolCondition('cpu > 5%')).toHaveProperty(
      'error',
      expect.stringContaining('healthy_share, error_ratio, p99_latency') as string,
    );
    expect(parsePoolCondition('error_ratio > 5ms')).toEqual({ error: 'expected a percentage like 5%' });
  });
});

describe('PoolRules', () => {
  it('fires after the condition held for `for`, starting when it began, and resolves when it stops', () => {
    const r = recorder();
    const rules = new PoolRules(r.sink, [rule('pool-degraded', 'healthy_share < 50%', 30_000)]);
    rules.observe([sample({ healthyShare: 0.25 })], 0);
    rules.observe([sample({ healthyShare: 0.25 })], 20_000);
    expect(r.events).toEqual([]);
    rules.observe([sample({ healthyShare: 0.25 })], 30_000);
    rules.observe([sample({ healthyShare: 1 })], 40_000);
    expect(r.events).toEqual(['fire pool-degraded @0', 'resolve pool-degraded @40000']);
    const labels = { alertname: 'pool-degraded', pool: 'api', severity: 'critical', source: 'gateway' };
    rules.observe([sample({ healthyShare: 0 })], 50_000);
    rules.observe([sample({ healthyShare: 0 })], 80_000);
    expect([...r.alerts.values()][0]?.labels).toEqual(labels);
    expect(r.events.at(-1)).toBe('fire pool-degraded @50000');
  });

  it('a blip shorter than `for` never fires', () => {
    const r = recorder();
    const rules = new PoolRules(r.sink, [rule('pool-degraded', 'healthy_share < 50%', 30_000)]);
    rules.observe([sample({ healthyShare: 0 })], 0);
    rules.observe([sample({ healthyShare: 1 })], 10_000);
    rules.observe([sample({ healthyShare: 0 })], 20_000);
    rules.observe([sample({ healthyShare: 0 })], 40_000);
    expect(r.events).toEqual([]);
  });

  it('computes the error ratio over the window from cumulative counters', () => {
    const r = recorder();
    const rules = new PoolRules(r.sink, [rule('api-errors', 'error_ratio > 5%', 0, 60_000)]);
    rules.observe([sample({ requests: 1_000, errors: 900 })], 0);
    // 100 requests, 4 errors in the last minute: 4%, although the lifetime ratio is 82%.
    rules.observe([sample({ requests: 1_100, errors: 904 })], 60_000);
    expect(r.events).toEqual([]);
    rules.observe([sample({ requests: 1_200, errors: 914 })], 120_000);
    expect(r.events).toEqual(['fire api-errors @120000']);
    expect([...r.alerts.values()][0]?.annotations['summary']).toBe(
      'pool api: 10% errors (rule: error_ratio > 5%)',
    );
  });

  it('says nothing about a ratio from fewer than 10 requests', () => {
    const r = recorder();
    const rules = new PoolRules(r.sink, [rule('api-errors', 'error_ratio > 5%')]);
    rules.observe([sample({ requests: 0, errors: 0 })], 0);
    rules.observe([sample({ requests: 5, errors: 5 })], 60_000);
    expect(r.events).toEqual([]);
  });

  it('keeps a firing alert firing while too few requests come to judge, and resolves on a good window', () => {
    const r = recorder();
    const rules = new PoolRules(r.sink, [rule('api-errors', 'error_ratio > 5%', 0, 60_000)]);
    rules.observe([sample({ requests: 0, errors: 0 })], 0);
    rules.observe([sample({ requests: 100, errors: 50 })], 60_000);
    expect(r.events).toEqual(['fire api-errors @60000']);
    // The failing pool drove its clients away: three requests in a minute say nothing about recovery.
    rules.observe([sample({ requests: 103, errors: 53 })], 120_000);
    expect(r.events).toEqual(['fire api-errors @60000']);
    rules.observe([sample({ requests: 203, errors: 53 })], 180_000);
    expect(r.events).toEqual(['fire api-errors @60000', 'resolve api-errors @180000']);
  });

  it('takes the p99 from the histogram buckets of the window', () => {
    const r = recorder();
    const rules = new PoolRules(r.sink, [rule('api-slow', 'p99_latency > 800ms')]);
    const buckets = (fast: number, slow: number) => [
      { leMs: 100, count: fast },
      { leMs: 1_000, count: fast + slow },
      { leMs: Number.POSITIVE_INFINITY, count: fast + slow },
    ];
    rules.observe([sample({ requests: 0, latencyBuckets: buckets(0, 0) })], 0);
    rules.observe([sample({ requests: 100, latencyBuckets: buckets(99, 1) })], 60_000);
    expect(r.events).toEqual([]);
    rules.observe([sample({ requests: 200, latencyBuckets: buckets(190, 10) })], 120_000);
    expect(r.events).toEqual(['fire api-slow @120000']);
  });

  it('resolves the alerts of rules removed by a reload', () => {
    const r = recorder();
    const rules = new PoolRules(r.sink, [rule('pool-degraded', 'healthy_share < 50%')]);
    rules.observe([sample({ healthyShare: 0 })], 0);
    rules.setRules([], 5);
    expect(r.events).toEqual(['fire pool-degraded @0', 'resolve pool-degraded @5']);
  });
});
