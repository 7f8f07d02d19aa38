import { describe, expect, it } from 'vitest';
import { startTags } from './html-queries.test-support.ts';
import { renderMarkdown } from './markdown.ts';

const hostile = [
  '<script>alert(1)</script>',
  '[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) [z](java&#x09;script:alert(1))',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)" onclick="alert(2)">click</a>',
  '[d](data:text/html;base64,PHNjcmlwdD4=) [v](vbscript:msgbox(1)) <javascript:alert(1)>',
  '![pixel](https://tracker.example/p.gif)',
].join('\n\n');

describe('renderMarkdown', () => {
  it('escapes raw HTML and keeps no script, handler or dangerous link', () => {
    const html = renderMarkdown(hostile);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/href="\s*(javascript|vbscript|data):/i);
    const attributes = startTags(html).flatMap((tag) => tag.attributes);
    expect(attributes.filter((name) => name.startsWith('on'))).toEqual([]);
    expect(startTags(html).map((tag) => tag.name)).not.toContain('img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('links http, https and mailto with rel="nofollow noopener noreferrer", and nothing else', () => {
    const html = renderMarkdown(
      '[a](https://a.example) <http://b.example> see https://c.example/x [m](mailto:ops@d.example) [r](/history)',
    );
    const hrefs = [...html.matchAll(/<a href="([^"]*)" rel="nofollow noopener noreferrer">/g)].map(
      ([, href]) => href,
    );
    expect(hrefs).toEqual([
      'https://a.example',
      'http://b.example',
      'https://c.example/x',
      'mailto:ops@d.example',
    ]);
    expect(html.match(/<a /g)).toHaveLength(4);
    expect(html).toContain('[r](/history)');
  });

  it('turns an image into a link to it, named by its alt text: nothing loads, no stray "!"', () => {
    expect(renderMarkdown('See ![the graph](https://grafana.example/g.png).')).toBe(
      '<p>See <a href="https://grafana.example/g.png" rel="nofollow noopener noreferrer">the graph</a>.</p>\n',
    );
    expect(renderMarkdown('![x](javascript:alert(1))')).not.toMatch(/href=/);
  });

  it('renders Markdown formatting', () => {
    expect(renderMarkdown('**bold** and `code`\n\n- one\n- two')).toBe(
      '<p><strong>bold</strong> and <code>code</code></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n',
    );
  });

  it("puts an update's headings below the page's own (h1 → h4, capped at h6)", () => {
    expect(renderMarkdown('# Cause\n\n### Detail')).toBe('<h4>Cause</h4>\n<h6>Detail</h6>\n');
  });
});
