import { describe, expect, it } from 'vitest';
import { escapeHtml, hrefFor } from './html.ts';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<b>"x"</b> & 'y'`)).toBe('&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; &#39;y&#39;');
  });

  it('leaves other text alone', () => {
    expect(escapeHtml('Zürich → São Paulo 100%')).toBe('Zürich → São Paulo 100%');
  });
});

describe('hrefFor', () => {
  it('percent-encodes an id into one path segment', () => {
    expect(hrefFor('/components/', 'a b/"c"')).toBe('/components/a%20b%2F%22c%22');
  });
});
