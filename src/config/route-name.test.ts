import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './index.ts';

/** `line:path: message` of every issue, or [] when the text is valid. */
function issuesOf(text: string): string[] {
  try {
    parseConfigText(text, { file: 'bulwark.yaml', env: {} });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.path}: ${i.message}`);
  }
}

/** Routes on lines 4, 5, …, one per name (undefined: no name key), all to pool api. */
const withNames = (...names: (string | undefined)[]) =>
  [
    'pools:',
    '  api: { endpoints: [{ url: http://127.0.0.1:39101 }] }',
    'routes:',
    ...names.map((name, i) =>
      name === undefined
        ? `  - { match: { path_prefix: /r${i} }, pool: api }`
        : `  - { name: "${name}", match: { path_prefix: /r${i} }, pool: api }`,
    ),
  ].join('\n');

describe('routes[].name', () => {
  it('is kept on the route, and a route without one has none', () => {
    const config = parseConfigText(withNames('checkout', undefined, 'eu-west.api:v2_beta'), { env: {} });
    expect(config.routes.map((r) => r.name)).toEqual(['checkout', undefined, 'eu-west.api:v2_beta']);
  });

  it('is refused when two routes share it, at the second, naming the first and its line', () => {
    expect(issuesOf(withNames('checkout', 'search', 'checkout'))).toEqual([
      '6:routes[2].name: routes[0] (line 4) is named "checkout" too; route names must be unique, as metrics, ' +
        'traffic history and rate limits know a route by its name',
    ]);
  });

  it.each([
    ['a space', 'check out', /letters, digits and _ \. : -/],
    ['a slash, which would split a URL path', 'api/v2', /letters, digits and _ \. : -/],
    ['a leading dot, which a URL resolves away', '..', /first a letter or digit/],
    ['a leading dash', '-api', /first a letter or digit/],
    ['all digits, the position of an unnamed route', '1', /must not be all digits/],
    ['none, the label of unrouted requests', 'none', /must not be "none"/],
    ['past 64 characters', 'a'.repeat(65), /64/],
  ])('is refused with %s', (_what, name, message) => {
    const issues = issuesOf(withNames(undefined, name));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^5:routes\[1\]\.name: /);
    expect(issues[0]).toMatch(message);
  });
});
