import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { ComponentStatus } from '../model.ts';
import { statusBadge, uptimeBadge } from './badges.ts';
import { componentView } from './fixture.test-support.ts';

interface Svg {
  readonly '@width': string;
  readonly '@role': string;
  readonly '@aria-label': string;
  readonly title: string;
  readonly g: readonly {
    readonly rect?: readonly { readonly '@fill': string }[];
    readonly text?: unknown[];
  }[];
}
const parseSvg = (svg: string): Svg => {
  expect(XMLValidator.validate(svg)).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
  });
  return (parser.parse(svg) as { svg: Svg }).svg;
};
const messageColour = (svg: Svg): string | undefined => svg.g[0]?.rect?.[1]?.['@fill'];

describe('statusBadge', () => {
  it.each([
    ['operational', 'operational', '#4c1'],
    ['degraded_performance', 'degraded performance', '#dfb317'],
    ['partial_outage', 'partial outage', '#fe7d37'],
    ['major_outage', 'major outage', '#e05d44'],
    ['under_maintenance', 'under maintenance', '#007ec6'],
  ] as const)('%s reads "%s" on %s', (status: ComponentStatus, words, colour) => {
    const svg = parseSvg(statusBadge(componentView({ id: 'api', name: 'API', status })));
    expect(svg['@role']).toBe('img');
    expect(svg['@aria-label']).toBe(`API: ${words}`);
    expect(svg.title).toBe(`API: ${words}`);
    expect(messageColour(svg)).toBe(colour);
  });

  it('escapes the name and survives the round trip', () => {
    const svg = parseSvg(statusBadge(componentView({ id: 'x', name: 'A&B <"edge">' })));
    expect(svg.title).toBe('A&B <"edge">: operational');
    expect(svg['@aria-label']).toBe('A&B <"edge">: operational');
  });

  it('grows with its text', () => {
    const width = (name: string): number =>
      Number(parseSvg(statusBadge(componentView({ id: 'x', name })))['@width']);
    expect(width('Payments and billing')).toBeGreaterThan(width('API'));
    expect(width('WWWW')).toBeGreaterThan(width('iiii'));
  });
});

describe('uptimeBadge', () => {
  it('shows the 90-day uptime', () => {
    const svg = parseSvg(uptimeBadge(componentView({ id: 'api', name: 'API', uptime90d: 0.9995 })));
    expect(svg.title).toBe('API uptime: 99.95%');
    expect(messageColour(svg)).toBe('#4c1');
  });

  it('says "no data" without observed time', () => {
    const svg = parseSvg(uptimeBadge(componentView({ id: 'api', name: 'API', uptime90d: null })));
    expect(svg.title).toBe('API uptime: no data');
    expect(messageColour(svg)).toBe('#9f9f9f');
  });

  it.each([
    [0.98, '#dfb317'],
    [0.9, '#e05d44'],
  ])('colours %d as %s', (uptime, colour) => {
    expect(
      messageColour(parseSvg(uptimeBadge(componentView({ id: 'a', name: 'A', uptime90d: uptime })))),
    ).toBe(colour);
  });
});
