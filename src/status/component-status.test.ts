import { describe, expect, it } from 'vitest';
import {
  deriveComponentStatus,
  groupStatus,
  impactOf,
  resolveComponentStatus,
  type MonitorState,
  type SourceSignal,
  type TrafficVerdict,
} from './component-status.ts';
import type { ComponentStatus, Impact } from './model.ts';

const monitor = (state: MonitorState): SourceSignal => ({ kind: 'monitor', state });
const pool = (healthyShare: number, endpoints = 4): SourceSignal => ({
  kind: 'pool',
  healthyShare,
  endpoints,
  isProbed: true,
});
/** A pool without health checks: its endpoints stay healthy whatever they answer. */
const unprobed = (traffic?: TrafficVerdict, healthyShare = 1): SourceSignal => ({
  kind: 'pool',
  healthyShare,
  endpoints: 1,
  isProbed: false,
  traffic,
});
const probed = (healthyShare: number, traffic: TrafficVerdict): SourceSignal => ({
  kind: 'pool',
  healthyShare,
  endpoints: 4,
  isProbed: true,
  traffic,
});

describe('deriveComponentStatus', () => {
  it.each<[string, SourceSignal[], ComponentStatus]>([
    ['no sources at all', [], 'operational'],
    [
      'only sources without a signal',
      [monitor('paused'), monitor('unknown'), monitor('maintenance')],
      'operational',
    ],
    ['a pool without endpoints', [pool(0, 0)], 'operational'],
    ['all monitors up', [monitor('up'), monitor('up')], 'operational'],
    ['a healthy pool', [pool(1)], 'operational'],
    ['one monitor degraded', [monitor('up'), monitor('degraded')], 'degraded_performance'],
    ['all monitors degraded', [monitor('degraded'), monitor('degraded')], 'degraded_performance'],
    ['one of two monitors down', [monitor('up'), monitor('down')], 'partial_outage'],
    ['a down monitor beats a degraded one', [monitor('degraded'), monitor('down')], 'partial_outage'],
    ['a pool with some endpoints unhealthy', [pool(0.75)], 'partial_outage'],
    ['a failing pool beside a degraded monitor', [pool(0.5), monitor('degraded')], 'partial_outage'],
    ['a pool at 0 and a monitor up', [pool(0), monitor('up')], 'partial_outage'],
    ['a pool at 0 and a failing pool', [pool(0), pool(0.5)], 'partial_outage'],
    ['the only monitor down', [monitor('down')], 'major_outage'],
    ['every monitor down', [monitor('down'), monitor('down')], 'major_outage'],
    ['a pool at 0', [pool(0)], 'major_outage'],
    ['a pool at 0 and a monitor down', [pool(0), monitor('down')], 'major_outage'],
    [
      'down, with the paused and unknown ignored',
      [monitor('down'), monitor('paused'), monitor('unknown')],
      'major_outage',
    ],
    [
      'a monitor in maintenance does not dilute an outage',
      [monitor('down'), monitor('maintenance')],
      'major_outage',
    ],
    ['an empty pool does not dilute an outage', [monitor('down'), pool(0, 0)], 'major_outage'],
  ])('%s', (_name, sources, expected) => {
    expect(deriveComponentStatus(sources)).toBe(expected);
  });

  // A pool without health_check keeps a healthy share of 1 while every request through it fails.
  it.each<[string, SourceSignal[], ComponentStatus]>([
    ['an unprobed pool whose every request fails', [unprobed('down')], 'major_outage'],
    ['an unprobed pool with 10% or more failing', [unprobed('failing')], 'partial_outage'],
    ['an unprobed pool says nothing beside a down monitor', [monitor('down'), unprobed()], 'major_outage'],
    ['a probed pool all healthy whose requests all fail', [probed(1, 'down')], 'major_outage'],
  ])('traffic: %s', (_name, sources, expected) => {
    expect(deriveComponentStatus(sources)).toBe(expected);
  });
});

describe('resolveComponentStatus', () => {
  it.each<[string, ComponentStatus | null | undefined, boolean, ComponentStatus]>([
    ['derived when nothing else applies', undefined, false, 'partial_outage'],
    ['derived when the override is null', null, false, 'partial_outage'],
    ['maintenance over derived', undefined, true, 'under_maintenance'],
    ['an override over maintenance', 'major_outage', true, 'major_outage'],
    ['an override over derived', 'operational', false, 'operational'],
  ])('%s', (_name, override, inMaintenance, expected) => {
    expect(resolveComponentStatus({ derived: 'partial_outage', inMaintenance, override })).toBe(expected);
  });

  it('works without the override key', () => {
    expect(resolveComponentStatus({ derived: 'degraded_performance', inMaintenance: false })).toBe(
      'degraded_performance',
    );
  });
});

describe('groupStatus', () => {
  it.each<[ComponentStatus[], ComponentStatus]>([
    [[], 'operational'],
    [['operational', 'operational'], 'operational'],
    [['operational', 'under_maintenance'], 'under_maintenance'],
    [['under_maintenance', 'degraded_performance'], 'degraded_performance'],
    [['degraded_performance', 'partial_outage', 'operational'], 'partial_outage'],
    [['partial_outage', 'major_outage', 'under_maintenance'], 'major_outage'],
  ])('%j → %s', (children, expected) => {
    expect(groupStatus(children)).toBe(expected);
  });
});

describe('impactOf', () => {
  it.each<[ComponentStatus[], Impact]>([
    [[], 'none'],
    [['operational', 'under_maintenance'], 'none'],
    [['degraded_performance', 'operational'], 'minor'],
    [['degraded_performance', 'partial_outage'], 'major'],
    [['partial_outage', 'major_outage', 'degraded_performance'], 'critical'],
  ])('%j → %s', (statuses, expected) => {
    expect(impactOf(statuses)).toBe(expected);
  });
});
