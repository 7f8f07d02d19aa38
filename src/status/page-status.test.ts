import { describe, expect, it } from 'vitest';
import type { ComponentStatus, Impact, Indicator } from './model.ts';
import { leafStatuses, pageStatus } from './page-status.ts';

type Case = [string, ComponentStatus[], Impact[], Indicator, string];

describe('pageStatus', () => {
  it.each<Case>([
    ['no components, no incidents', [], [], 'none', 'All Systems Operational'],
    ['no components, incidents of impact none', [], ['none'], 'none', 'All Systems Operational'],
    ['no components, a minor incident', [], ['minor'], 'minor', 'Minor Service Outage'],
    [
      'no components, the worst incident counts',
      [],
      ['minor', 'critical', 'major'],
      'critical',
      'Major System Outage',
    ],
  ])('%s', (_name, statuses, impacts, indicator, description) => {
    expect(pageStatus(statuses, impacts)).toEqual({ indicator, description });
  });

  it.each<Case>([
    ['one component operational', ['operational'], [], 'none', 'All Systems Operational'],
    ['one component in maintenance', ['under_maintenance'], [], 'maintenance', 'Service Under Maintenance'],
    ['one component degraded', ['degraded_performance'], [], 'minor', 'Partially Degraded Service'],
    ['one component partially down', ['partial_outage'], [], 'major', 'Partial System Outage'],
    ['one component down', ['major_outage'], [], 'critical', 'Major System Outage'],
    [
      'one component: an incident no worse changes nothing',
      ['partial_outage'],
      ['major'],
      'major',
      'Partial System Outage',
    ],
    [
      'one component: a worse incident raises it',
      ['degraded_performance'],
      ['critical'],
      'critical',
      'Major System Outage',
    ],
  ])('%s', (_name, statuses, impacts, indicator, description) => {
    expect(pageStatus(statuses, impacts)).toEqual({ indicator, description });
  });

  it.each<Case>([
    ['all operational', ['operational', 'operational'], [], 'none', 'All Systems Operational'],
    ['all down', ['major_outage', 'major_outage'], [], 'critical', 'Major System Outage'],
    ['some down', ['major_outage', 'operational'], [], 'critical', 'Partial System Outage'],
    ['down outranks partial', ['major_outage', 'partial_outage'], [], 'critical', 'Partial System Outage'],
    ['all partially down', ['partial_outage', 'partial_outage'], [], 'major', 'Partial System Outage'],
    [
      'some partially down',
      ['partial_outage', 'degraded_performance', 'operational'],
      [],
      'major',
      'Minor Service Outage',
    ],
    [
      'all degraded',
      ['degraded_performance', 'degraded_performance'],
      [],
      'minor',
      'Degraded System Service',
    ],
    [
      'some degraded',
      ['degraded_performance', 'under_maintenance'],
      [],
      'minor',
      'Partially Degraded Service',
    ],
    [
      'maintenance running',
      ['under_maintenance', 'operational'],
      [],
      'maintenance',
      'Service Under Maintenance',
    ],
    [
      'all in maintenance',
      ['under_maintenance', 'under_maintenance'],
      [],
      'maintenance',
      'Service Under Maintenance',
    ],
  ])('several components: %s', (_name, statuses, impacts, indicator, description) => {
    expect(pageStatus(statuses, impacts)).toEqual({ indicator, description });
  });

  it.each<Case>([
    [
      'a minor incident on an all-green page',
      ['operational', 'operational'],
      ['minor'],
      'minor',
      'Minor Service Outage',
    ],
    [
      'a minor incident during maintenance',
      ['under_maintenance', 'operational'],
      ['minor'],
      'minor',
      'Minor Service Outage',
    ],
    [
      'a major incident over degraded components',
      ['degraded_performance', 'operational'],
      ['major'],
      'major',
      'Partial System Outage',
    ],
    [
      'a critical incident over a partial outage',
      ['partial_outage', 'operational'],
      ['none', 'critical'],
      'critical',
      'Major System Outage',
    ],
    [
      'an incident of impact none leaves maintenance',
      ['under_maintenance', 'operational'],
      ['none'],
      'maintenance',
      'Service Under Maintenance',
    ],
    [
      'a lesser incident keeps the components’ words',
      ['major_outage', 'operational'],
      ['minor'],
      'critical',
      'Partial System Outage',
    ],
    [
      'an equal incident keeps the components’ words',
      ['partial_outage', 'operational'],
      ['major'],
      'major',
      'Minor Service Outage',
    ],
  ])('incidents raise the indicator: %s', (_name, statuses, impacts, indicator, description) => {
    expect(pageStatus(statuses, impacts)).toEqual({ indicator, description });
  });
});

describe('leafStatuses', () => {
  it('leaves groups out, so a group does not count its worst child twice', () => {
    const components = [
      { isGroup: true, status: 'major_outage' as const },
      { isGroup: false, status: 'major_outage' as const },
      { isGroup: false, status: 'operational' as const },
    ];
    expect(leafStatuses(components)).toEqual(['major_outage', 'operational']);
    expect(pageStatus(leafStatuses(components), [])).toEqual({
      indicator: 'critical',
      description: 'Partial System Outage',
    });
  });
});
