/** Small regex queries over the rendered HTML for tests: the renderers write regular, predictable markup. */

/** Every start tag, as its name and attribute names (lowercase). */
export function startTags(html: string): { name: string; attributes: string[] }[] {
  return [
    ...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s>=]+(?:="[^"]*"|='[^']*'|=[^\s>]*)?)*)\s*\/?>/g),
  ].map(([, name = '', attributes = '']) => ({
    name: name.toLowerCase(),
    attributes: [...attributes.matchAll(/\s+([^\s>=]+)/g)].map(([, attribute = '']) =>
      attribute.toLowerCase(),
    ),
  }));
}

export function headingLevels(html: string): number[] {
  return [...html.matchAll(/<h([1-6])[\s>]/g)].map(([, level = '0']) => Number(level));
}

/** The text a reader sees: tags dropped, the five escapes undone. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The HTML between the first match of `start` and the `end` after it. */
export function between(html: string, start: string, end: string): string {
  const from = html.indexOf(start);
  if (from < 0) return '';
  const to = html.indexOf(end, from + start.length);
  return html.slice(from, to < 0 ? undefined : to + end.length);
}
