import { describe, expect, it } from 'vitest';
import { escapeXml } from './escape-xml.ts';

describe('escapeXml', () => {
  it('escapes the five XML specials, for text and attributes alike', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;',
    );
  });

  it('drops control characters XML cannot carry, keeping tab and newlines', () => {
    expect(escapeXml('a\u0000b\u0007c\td\ne\rf\u001Fg')).toBe('abc\td\ne\rfg');
  });

  it('leaves other text alone', () => expect(escapeXml('Zürich — 99.9% ✓')).toBe('Zürich — 99.9% ✓'));
});
