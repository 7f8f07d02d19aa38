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

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;
const pools = ['pools:', '  api:', '    endpoints: [{ url: http://127.0.0.1:39101 }]'];

/** A file whose routes (one per match, in order, on lines 5, 7, …) all go to pool api. */
const withRoutes = (...matches: string[]) =>
  lines(...pools, 'routes:', ...matches.flatMap((match) => [`  - match: ${match}`, '    pool: api']));

describe('endpoints listed twice in a pool', () => {
  it('are refused with both indexes, at the second, as the admin API could not tell them apart', () => {
    const text = lines(
      'pools:',
      '  api:',
      '    endpoints:',
      '      - url: http://127.0.0.1:39101',
      '      - url: http://127.0.0.1:39101',
      '        weight: 5',
      'routes: [{ pool: api }]',
    );
    expect(issuesOf(text)).toEqual([
      '5:pools.api.endpoints[1].url: endpoint http://127.0.0.1:39101 is listed twice in pool api (endpoints[0] and [1])',
    ]);
  });

  it('are refused when two URLs give one id, and the same endpoint in two pools is fine', () => {
    const text = lines(
      'pools:',
      '  api:',
      '    endpoints: [{ url: "http://a.internal" }, { url: "https://a.internal" }]',
      '  backup:',
      '    endpoints: [{ url: "http://127.0.0.1:39101" }]',
      '  other:',
      '    endpoints: [{ url: "http://127.0.0.1:39101" }, { url: "http://127.0.0.1:39102" }]',
      'routes: [{ pool: api }]',
    );
    expect(issuesOf(text)).toEqual([
      '3:pools.api.endpoints[1].url: endpoints http://a.internal and https://a.internal share the id a.internal, by which the admin API drains them, in pool api (endpoints[0] and [1])',
    ]);
  });
});

describe('a route an earlier route fully covers', () => {
  it('is refused, naming both routes and their lines', () => {
    expect(issuesOf(withRoutes('{ path_prefix: /v1/ }', '{ path_prefix: /v1/stream }'))).toEqual([
      '7:routes[1]: can never match: routes[0] (line 5) comes first and matches every request this route would; put the more specific route first',
    ]);
  });

  it.each([
    ['no match at all before anything', ['{}', '{ path_prefix: /v1/ }']],
    ['the same prefix twice', ['{ path_prefix: /v1 }', '{ path_prefix: /v1 }']],
    ['methods a superset', ['{ methods: [GET, POST] }', '{ path_prefix: /a, methods: [GET] }']],
    ['no methods before some', ['{ path_prefix: /a }', '{ path_prefix: /a/b, methods: [PUT] }']],
    [
      'headers a subset (names in any case)',
      ['{ headers: { X-Tenant: a } }', '{ path_prefix: /b, headers: { x-tenant: a, x-beta: "1" } }'],
    ],
  ])('is refused when %s', (_name, matches) => {
    expect(issuesOf(withRoutes(...matches))).toEqual([
      expect.stringMatching(/^7:routes\[1\]: can never match: routes\[0\] \(line 5\)/),
    ]);
  });

  it.each([
    ['the later route is more general', ['{ path_prefix: /v1/stream }', '{ path_prefix: /v1/ }']],
    ['prefixes that only share a start', ['{ path_prefix: /v1/a }', '{ path_prefix: /v1/b }']],
    ['the earlier route takes fewer methods', ['{ methods: [GET] }', '{ methods: [GET, POST] }']],
    ['the later route takes any method', ['{ methods: [GET] }', '{ path_prefix: /a }']],
    ['the earlier route needs a header', ['{ headers: { x-beta: "1" } }', '{ path_prefix: /a }']],
    ['the header values differ', ['{ headers: { x-t: a } }', '{ headers: { x-t: b } }']],
  ])('is accepted when %s', (_name, matches) => {
    expect(issuesOf(withRoutes(...matches))).toEqual([]);
  });

  it('is refused when an earlier route names the same host in other letter cases', () => {
    const matches = [
      '{ headers: { Host: Admin.Internal } }',
      '{ path_prefix: /a, headers: { host: admin.internal } }',
    ];
    expect(issuesOf(withRoutes(...matches))).toEqual([
      expect.stringMatching(/^7:routes\[1\]: can never match/),
    ]);
  });

  it('is refused beside an error elsewhere in the same route', () => {
    const text = withRoutes('{ path_prefix: / }', '{ path_prefix: /a }').replace(
      /pool: api\n$/,
      'pool: api\n    priority: urgent\n',
    );
    expect(issuesOf(text)).toEqual([
      expect.stringMatching(/^7:routes\[1\]: can never match/),
      expect.stringMatching(/^9:routes\[1\]\.priority: expected one of/),
    ]);
  });
});
