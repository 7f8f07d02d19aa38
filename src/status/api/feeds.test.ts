import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  baseMs,
  dayMs,
  fixtureView,
  incident,
  minuteMs,
  page,
  statusView,
  update,
} from './fixture.test-support.ts';
import { historyAtom, historyRss } from './feeds.ts';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Atom's links repeat; RSS's <link> is text.
  isArray: (name, jPath) =>
    ['item', 'entry'].includes(name) || (String(jPath).startsWith('feed.') && name === 'link'),
  parseTagValue: false,
  parseAttributeValue: false,
});

interface Node {
  readonly [key: string]: unknown;
}
const parse = (xml: string): Node => {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as Node;
};
const child = (node: unknown, key: string): Node => (node as Node)[key] as Node;
const children = (node: unknown, key: string): Node[] => ((node as Node)[key] as Node[] | undefined) ?? [];
const text = (node: unknown, key: string): string => {
  const value = (node as Node)[key];
  if (typeof value === 'string') return value;
  const inner = (value as Node | undefined)?.['#text'];
  return typeof inner === 'string' ? inner : '';
};
const isDate = (value: string): boolean => Number.isFinite(Date.parse(value));

const tricky = 'Errors <b>&</b> "quotes" in API';
const trickyView = statusView({
  page: { ...page, name: 'Acme & Co <Status>' },
  incidents: [
    incident({
      id: 'odd',
      name: tricky,
      updates: [
        update({ id: 'u', status: 'identified', body: 'Fixed <script>alert(1)</script> & "more"\nline two' }),
      ],
    }),
  ],
});

describe('historyRss', () => {
  const channel = child(child(parse(historyRss(fixtureView())), 'rss'), 'channel');

  it('is RSS 2.0 with the channel elements the spec requires', () => {
    const rss = child(parse(historyRss(fixtureView())), 'rss');
    expect(rss['@version']).toBe('2.0');
    expect(text(channel, 'title')).toBe('Acme Status - Incident History');
    expect(text(channel, 'link')).toBe('https://status.acme.test');
    expect(text(channel, 'description')).not.toBe('');
    expect(isDate(text(channel, 'lastBuildDate'))).toBe(true);
    const self = child(channel, 'atom:link');
    expect(self).toMatchObject({ '@href': 'https://status.acme.test/history.rss', '@rel': 'self' });
  });

  it('has published incidents and maintenances, newest first, without drafts', () => {
    const items = children(channel, 'item');
    expect(items.map((item) => text(item, 'link').split('/').pop())).toEqual([
      'open',
      'monitoring',
      'upcoming',
      'verifying',
      'running',
      'done',
      'old',
      'pm',
    ]);
    const published = items.map((item) => Date.parse(text(item, 'pubDate')));
    expect(published).toEqual([...published].sort((a, b) => b - a));
  });

  it('gives each item a title, description, RFC 822 pubDate and a permalink guid', () => {
    const item = children(channel, 'item')[0];
    expect(text(item, 'title')).toBe('Slow API');
    expect(text(item, 'pubDate')).toBe('Tue, 15 Feb 2022 13:27:37 -0800');
    expect(Date.parse(text(item, 'pubDate'))).toBe(baseMs - 10 * minuteMs - 407);
    expect(text(item, 'link')).toBe('https://status.acme.test/incidents/open');
    expect(child(item, 'guid')).toMatchObject({
      '#text': 'https://status.acme.test/incidents/open',
      '@isPermaLink': 'true',
    });
    expect(text(item, 'description')).toBe(
      '<p><small>Feb 15, 2022, 13:27 PST</small><br><strong>Investigating</strong> - Update open-1.</p>',
    );
  });

  it('announces a maintenance window before its updates', () => {
    const running = children(channel, 'item').find((item) => text(item, 'link').endsWith('/running'));
    expect(text(running, 'description')).toMatch(
      /^<p><strong>THIS IS A SCHEDULED EVENT Feb 15, 2022, 12:37 PST - /,
    );
  });

  it('keeps special characters intact through the round trip', () => {
    const trickyChannel = child(child(parse(historyRss(trickyView)), 'rss'), 'channel');
    expect(text(trickyChannel, 'title')).toBe('Acme & Co <Status> Status - Incident History');
    const item = children(trickyChannel, 'item')[0];
    expect(text(item, 'title')).toBe(tricky);
    // The body is text inside the HTML, so it arrives escaped once more: no live <script>.
    expect(text(item, 'description')).toContain(
      'Fixed &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;<br>line two',
    );
  });

  it('stops at 50 items', () => {
    const many = Array.from({ length: 70 }, (_, n) =>
      incident({ id: `i${n}`, createdAtMs: baseMs - n * dayMs }),
    );
    const rss = child(child(parse(historyRss(statusView({ incidents: many }))), 'rss'), 'channel');
    expect(children(rss, 'item')).toHaveLength(50);
  });
});

describe('historyAtom', () => {
  const feed = child(parse(historyAtom(fixtureView())), 'feed');

  it('is Atom 1.0 with the feed elements RFC 4287 requires', () => {
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(text(feed, 'id')).toBe('https://status.acme.test/history');
    expect(text(feed, 'title')).toBe('Acme Status - Incident History');
    expect(text(feed, 'updated')).toBe('2022-02-15T13:37:37.407-08:00');
    expect(text(child(feed, 'author'), 'name')).toBe('Acme');
    const links = children(feed, 'link').map((link) => [link['@rel'], link['@href']]);
    expect(links).toEqual([
      ['self', 'https://status.acme.test/history.atom'],
      ['alternate', 'https://status.acme.test'],
    ]);
  });

  it('gives each entry an id, title, dates, a link and html content', () => {
    const entries = children(feed, 'entry');
    expect(entries).toHaveLength(8);
    for (const entry of entries) {
      expect(text(entry, 'id')).toMatch(/^https:\/\/status\.acme\.test\/incidents\//);
      expect(text(entry, 'title')).not.toBe('');
      expect(isDate(text(entry, 'updated'))).toBe(true);
      expect(isDate(text(entry, 'published'))).toBe(true);
      expect(children(entry, 'link')[0]?.['@href']).toBe(text(entry, 'id'));
      expect(child(entry, 'content')['@type']).toBe('html');
    }
    expect(text(entries[0], 'published')).toBe('2022-02-15T13:27:37.407-08:00');
  });

  it('keeps special characters intact through the round trip', () => {
    const trickyFeed = child(parse(historyAtom(trickyView)), 'feed');
    expect(text(trickyFeed, 'title')).toBe('Acme & Co <Status> Status - Incident History');
    const entry = children(trickyFeed, 'entry')[0];
    expect(text(entry, 'title')).toBe(tricky);
    expect(text(entry, 'content')).toContain('<strong>Identified</strong> - Fixed &lt;script&gt;');
  });
});
