import { afterEach, describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatSampleValue } from './exposition.ts';
import { GatewayMetrics } from './metrics.ts';
import { registerMonitorGauges, renderMonitorGauges, type MonitorGaugeSource } from './monitor-gauges.ts';

const fleet: MonitorGaugeSource[] = [
  { id: 'api', state: 'up', lastResult: { responseTimeMs: 12.5, certDaysLeft: 30 } },
  { id: 'q"b\\c\nd', state: 'down', lastResult: { responseTimeMs: 0.1 } },
  { id: 'new', state: 'unknown' },
  { id: 'paused', state: 'paused', lastResult: { responseTimeMs: 250, certDaysLeft: -2 } },
];

const families = [
  'bulwark_monitor_up',
  'bulwark_monitor_state',
  'bulwark_monitor_response_time_seconds',
  'bulwark_monitor_cert_days_left',
];

const open: GatewayMetrics[] = [];
afterEach(() => {
  for (const metrics of open.splice(0)) metrics.close();
});

describe('the monitor series serializer', () => {
  it('renders every family with its HELP and TYPE exactly once, samples under their own header', () => {
    const text = renderMonitorGauges(fleet);
    for (const name of families) {
      expect(text.match(new RegExp(`^# HELP ${name} `, 'gm'))).toHaveLength(1);
      expect(text.match(new RegExp(`^# TYPE ${name} gauge$`, 'gm'))).toHaveLength(1);
    }
    // Every sample line sits in the family whose TYPE line came last.
    let family = '';
    for (const line of text.split('\n').filter(Boolean)) {
      const type = /^# TYPE (\S+) gauge$/.exec(line);
      if (type) family = type[1] ?? '';
      else if (!line.startsWith('#')) expect(line.startsWith(`${family}{`)).toBe(true);
    }
    expect(text.endsWith('\n')).toBe(true);
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    const text = renderMonitorGauges(fleet);
    expect(text).toContain('bulwark_monitor_up{monitor="q\\"b\\\\c\\nd"} 0\n');
    expect(text).toContain('bulwark_monitor_state{monitor="q\\"b\\\\c\\nd",state="down"} 1\n');
    // The raw line feed never reaches the output: every line is a comment or a whole sample.
    for (const line of text.split('\n').filter(Boolean)) expect(line).toMatch(/^(# (HELP|TYPE) |bulwark_)/);
  });

  it('keeps the series of before: up only while up/degraded/down, state always, absent facts absent', () => {
    const samples = renderMonitorGauges(fleet)
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples).toEqual([
      'bulwark_monitor_up{monitor="api"} 1',
      'bulwark_monitor_up{monitor="q\\"b\\\\c\\nd"} 0',
      'bulwark_monitor_state{monitor="api",state="up"} 1',
      'bulwark_monitor_state{monitor="q\\"b\\\\c\\nd",state="down"} 1',
      'bulwark_monitor_state{monitor="new",state="unknown"} 1',
      'bulwark_monitor_state{monitor="paused",state="paused"} 1',
      'bulwark_monitor_response_time_seconds{monitor="api"} 0.0125',
      'bulwark_monitor_response_time_seconds{monitor="q\\"b\\\\c\\nd"} 0.0001',
      'bulwark_monitor_response_time_seconds{monitor="paused"} 0.25',
      'bulwark_monitor_cert_days_left{monitor="api"} 30',
      'bulwark_monitor_cert_days_left{monitor="paused"} -2',
    ]);
  });

  it('escapes HELP text and spells special values the exposition way', () => {
    expect(escapeHelp('a \\ b\nc "d"')).toBe('a \\\\ b\\nc "d"');
    expect(escapeLabelValue('plain-id_1')).toBe('plain-id_1');
    expect([NaN, Infinity, -Infinity, 1e-7, -3].map(formatSampleValue)).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '1e-7',
      '-3',
    ]);
  });

  it('is served after the registry, read at every scrape, with no second HELP for any family', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    open.push(metrics);
    const live = [...fleet];
    registerMonitorGauges(metrics, () => live);
    const first = await metrics.metricsText();
    expect(first.indexOf('# HELP bulwark_gateway_requests_total')).toBeLessThan(
      first.indexOf('# HELP bulwark_monitor_up'),
    );
    expect(first).toContain('bulwark_monitor_up{monitor="api"} 1');
    const helps = first.match(/^# HELP \S+/gm) ?? [];
    expect(new Set(helps).size).toBe(helps.length);
    live.splice(0, 1); // a removed monitor disappears
    const second = await metrics.metricsText();
    expect(second).not.toContain('monitor="api"');
    expect(metrics.textSeries()).toBe(renderMonitorGauges(live));
  });
});
