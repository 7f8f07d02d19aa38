import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

const allowedLink = /^(?:https?:\/\/|mailto:)/i;

// One configured parser for the process: it holds no per-render state (markdown-it keeps that in `env`).
const markdown = new MarkdownIt('default', { html: false, linkify: true, typographer: false });

// Anything else (javascript:, data:, relative paths) stays as literal text; markdown-it's own check only
// rejects a deny-list of schemes.
markdown.validateLink = (url: string): boolean => allowedLink.test(url.trim());

const rel = 'nofollow noopener noreferrer';

markdown.renderer.rules['link_open'] = (tokens, index, options, _env, self) => {
  tokens[index]?.attrSet('rel', rel);
  return self.renderToken(tokens, index, options);
};

// The page loads no external resources, and an image in an update would be one: it becomes a link to the
// image named by its alt text (an image whose address is refused stays literal text, as a refused link).
markdown.renderer.rules['image'] = (tokens, index, _options, env, self) => {
  const token = tokens[index];
  if (!token) return '';
  const href = markdown.utils.escapeHtml(String(token.attrGet('src') ?? ''));
  const alt = self.renderInlineAsText(token.children ?? [], _options, env) || 'image';
  return `<a href="${href}" rel="${rel}">${markdown.utils.escapeHtml(alt)}</a>`;
};

// An update's "# Heading" sits under the page's own h1–h3: shift it below them so the outline stays in order.
const headingShift = 3;
const shiftHeading = (tokens: Token[], index: number): void => {
  const token = tokens[index];
  if (token) token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + headingShift)}`;
};
markdown.core.ruler.push('shift_headings', (state) => {
  state.tokens.forEach((token, index) => {
    if (token.type === 'heading_open' || token.type === 'heading_close') shiftHeading(state.tokens, index);
  });
});

/** An update's Markdown as HTML: raw HTML escaped, links only http(s)/mailto with rel="nofollow…". */
export function renderMarkdown(body: string): string {
  return markdown.render(body);
}
