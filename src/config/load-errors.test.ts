import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, type ConfigIssue } from './index.ts';

/** Parses text that must fail, returning the error. */
function errorOf(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfigText(text, { file: 'bad.yaml', env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;
const pool = ['pools:', '  app:', '    endpoints:', '      - url: http://127.0.0.1:3000'];
const route = ['routes:', '  - pool: app'];

interface Scenario {
  readonly name: string;
  readonly text: string;
  readonly env?: Record<string, string>;
  /** The first (in file order) issue the text must produce. */
  readonly issue: Omit<ConfigIssue, 'file' | 'message'> & { readonly message: string };
}

const scenarios: Scenario[] = [
  {
    name: 'wrong type',
    text: lines(...pool, '        weight: two', ...route),
    issue: {
      path: 'pools.app.endpoints[0].weight',
      line: 5,
      column: 17,
      message: 'expected a number, found "two"',
    },
  },
  {
    name: 'unknown key, with a suggestion, at the key itself',
    text: lines(...pool, '    balancr: round-robin', ...route),
    issue: {
      path: 'pools.app.balancr',
      line: 5,
      column: 5,
      message: 'unknown key "balancr" (did you mean "balancer"?)',
    },
  },
  {
    name: 'unknown key without a near match lists the allowed keys',
    text: lines('listen:', '  color: blue', ...pool, ...route),
    issue: {
      path: 'listen.color',
      line: 2,
      column: 3,
      message: 'unknown key "color"; allowed keys: gateway, gateway_tls, admin',
    },
  },
  {
    name: 'missing required key, at the parent mapping',
    text: lines(...pool, 'routes:', '  - match: { path_prefix: /api/ }'),
    issue: { path: 'routes[0].pool', line: 6, column: 5, message: 'missing required key "pool"' },
  },
  {
    name: 'bad duration',
    text: lines(...pool, '    health_check:', '      interval: 2 sec', ...route),
    issue: {
      path: 'pools.app.health_check.interval',
      line: 6,
      column: 17,
      message: 'expected a duration like 250ms, 2s or 5m, found "2 sec"',
    },
  },
  {
    name: 'enum value with a suggestion',
    text: lines(...pool, '    balancer: least-requests', ...route),
    issue: {
      path: 'pools.app.balancer',
      line: 5,
      column: 15,
      message:
        'expected one of round-robin | weighted-round-robin | least-request | peak-ewma | consistent-hash, found "least-requests" (did you mean "least-request"?)',
    },
  },
  {
    name: 'unknown pool in a route',
    text: lines(...pool, 'routes:', '  - pool: ap'),
    issue: {
      path: 'routes[0].pool',
      line: 6,
      column: 11,
      message: 'expected the name of a pool (app), found "ap"',
    },
  },
  {
    name: 'unknown pool as failover',
    text: lines(...pool, '    failover: backup', ...route),
    issue: {
      path: 'pools.app.failover',
      line: 5,
      column: 15,
      message: 'expected the name of a pool (app), found "backup"',
    },
  },
  {
    name: 'failover cycle',
    text: lines(...pool, '    failover: app', ...route),
    issue: { path: 'pools.app.failover', line: 5, column: 15, message: 'failover chain loops back to "app"' },
  },
  {
    name: 'consistent-hash without hash_key, at the pool',
    text: lines(...pool, '    balancer: consistent-hash', ...route),
    issue: { path: 'pools.app.hash_key', line: 3, column: 5, message: 'consistent-hash needs hash_key' },
  },
  {
    name: 'YAML syntax error',
    text: lines('pools:', '  app: [unclosed', 'routes: []'),
    issue: {
      path: 'pools.app',
      line: 3,
      column: 1,
      message:
        'invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ], found "routes: []"',
    },
  },
  {
    name: 'unquoted ${VAR} inside a flow mapping gets a hint',
    text: lines('pools:', '  app:', '    endpoints: [{ url: ${URL} }]', ...route),
    issue: {
      path: 'pools.app.endpoints[0]',
      line: 3,
      column: 25,
      message: 'quote values that use ${...} inside { } or [ ]',
    },
  },
  {
    name: 'duplicate key',
    text: lines(...pool, ...route, 'routes: []'),
    issue: { path: 'routes', line: 7, column: 1, message: 'duplicate key "routes", first set at line 5' },
  },
  {
    name: 'empty file',
    text: '# nothing but a comment\n',
    issue: { path: '', line: 1, column: 1, message: 'the file is empty' },
  },
  {
    name: 'a list where a mapping belongs',
    text: lines('- pools', '- routes'),
    issue: { path: '', line: 1, column: 1, message: 'expected a mapping, found a list' },
  },
  {
    name: 'port out of range',
    text: lines('listen:', '  gateway: 127.0.0.1:99999', ...pool, ...route),
    issue: {
      path: 'listen.gateway',
      line: 2,
      column: 12,
      message: 'expected a port from 0 to 65535, found "127.0.0.1:99999"',
    },
  },
  {
    name: 'number out of range',
    text: lines(...pool, ...route, '    retry: { attempts: 0 }'),
    issue: {
      path: 'routes[0].retry.attempts',
      line: 7,
      column: 24,
      message: 'expected a number >= 1, found 0',
    },
  },
  {
    name: 'a total timeout of 0, which would fail every request at once',
    text: lines(...pool, ...route, '    timeouts: { total: 0s }'),
    issue: {
      path: 'routes[0].timeouts.total',
      line: 7,
      column: 24,
      message: 'expected a duration above 0, found "0s"',
    },
  },
  {
    name: 'a health check interval of 0, which would check in a loop',
    text: lines(...pool, '    health_check: { interval: 0s }', ...route),
    issue: {
      path: 'pools.app.health_check.interval',
      line: 5,
      column: 31,
      message: 'expected a duration above 0, found "0s"',
    },
  },
  {
    name: 'a keep-alive timeout of 0, which undici refuses',
    text: lines(...pool, '    keep_alive_timeout: 0ms', ...route),
    issue: {
      path: 'pools.app.keep_alive_timeout',
      line: 5,
      column: 25,
      message: 'expected a duration above 0, found "0ms"',
    },
  },
  {
    name: 'a monitor interval longer than a node timer can wait',
    text: lines(
      ...pool,
      ...route,
      'monitors:',
      '  - { name: m, type: tcp, host: a, port: 1, interval: 30d }',
    ),
    issue: {
      path: 'monitors[0].interval',
      line: 8,
      column: 55,
      message: 'expected a duration of at most 24d, found "30d"',
    },
  },
  {
    name: 'a group_interval of 0 in a nested alerting route',
    text: lines(
      ...pool,
      ...route,
      'alerting:',
      '  routes:',
      '    - { match: { team: db }, routes: [{ group_interval: 0s }] }',
    ),
    issue: {
      path: 'alerting.routes[0].routes[0].group_interval',
      line: 9,
      column: 57,
      message: 'expected a duration above 0, found "0s"',
    },
  },
  {
    name: 'a maintenance window of 0, which the status page cannot schedule',
    text: lines(
      ...pool,
      ...route,
      'status_page:',
      '  title: Status',
      '  maintenance:',
      '    - { name: w, weekly: { days: [sun], at: "02:00" }, duration: 0s }',
    ),
    issue: {
      path: 'status_page.maintenance[0].duration',
      line: 10,
      column: 66,
      message: 'expected a duration above 0, found "0s"',
    },
  },
  {
    name: 'max_header_bytes of 0, which node reads as its own default',
    text: lines('limits: { max_header_bytes: 0 }', ...pool, ...route),
    issue: {
      path: 'limits.max_header_bytes',
      line: 1,
      column: 29,
      message: 'expected a size from 1 to 4294967295 bytes, found 0',
    },
  },
  {
    name: 'max_header_bytes past what HTTP/2 can carry',
    text: lines('limits: { max_header_bytes: 4GiB }', ...pool, ...route),
    issue: {
      path: 'limits.max_header_bytes',
      line: 1,
      column: 29,
      message: 'expected a size from 1 to 4294967295 bytes, found "4GiB"',
    },
  },
  {
    name: 'retry condition neither keyword nor status',
    text: lines(...pool, ...route, '    retry: { on: [timeout] }'),
    issue: {
      path: 'routes[0].retry.on[0]',
      line: 7,
      column: 19,
      message:
        'expected one of connect-failure | refused | reset-before-response | first-byte-timeout, or a status code 400–599, found "timeout"',
    },
  },
  {
    name: 'empty endpoint list',
    text: lines('pools:', '  app:', '    endpoints: []', ...route),
    issue: {
      path: 'pools.app.endpoints',
      line: 3,
      column: 16,
      message: 'a pool needs at least one endpoint',
    },
  },
  {
    name: 'invalid pool name, at the key',
    text: lines(
      'pools:',
      '  my app:',
      '    endpoints: [{ url: http://127.0.0.1:3000 }]',
      'routes:',
      '  - pool: x',
    ),
    issue: {
      path: 'pools["my app"]',
      line: 2,
      column: 3,
      message: 'invalid name "my app": pool names use letters',
    },
  },
  {
    name: 'unset environment variable, naming it and its place',
    text: lines(...pool.slice(0, 3), '      - url: ${API_URL}', ...route),
    issue: {
      path: 'pools.app.endpoints[0].url',
      line: 4,
      column: 14,
      message: 'environment variable API_URL is not set',
    },
  },
];

describe('config errors point at the line and say what was expected', () => {
  it.each(scenarios)('$name', ({ text, env, issue }) => {
    const error = errorOf(text, env);
    expect(error.code).toBe('CFG_INVALID');
    const [first] = error.issues;
    expect(first).toMatchObject({
      file: 'bad.yaml',
      path: issue.path,
      line: issue.line,
      column: issue.column,
    });
    expect(first?.message).toContain(issue.message);
  });
});

describe('ConfigError', () => {
  it('is a BulwarkError whose message lists every issue as file:line:col path: message', () => {
    const error = errorOf(
      lines('listen:', '  gatway: 127.0.0.1:80', ...pool, '    balancer: nope', ...route),
    );
    expect(error.name).toBe('ConfigError');
    expect(error.message.split('\n')).toEqual([
      'bad.yaml:2:3 listen.gatway: unknown key "gatway" (did you mean "gateway"?)',
      expect.stringMatching(
        /^bad\.yaml:7:15 pools\.app\.balancer: expected one of round-robin \| .*, found "nope"$/,
      ),
    ]);
  });

  it('never echoes a value that came from the environment', () => {
    const env = { RATIO: 'hunter2-secret', URL: 'ftp://user:hunter2@host' };
    const text = lines(...pool.slice(0, 3), '      - url: ${URL}', '    panic_threshold: ${RATIO}', ...route);
    const error = errorOf(text, env);
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('found "${URL}" (from the environment)');
    expect(error.message).toContain('found "${RATIO}" (from the environment)');
  });

  it('reports the first YAML syntax error, not the cascade after it', () => {
    expect(errorOf(lines('pools:', '  app: [unclosed', 'routes: [{ pool: app }]')).issues).toHaveLength(1);
  });

  it('reports every unset variable at once', () => {
    const text = lines(...pool.slice(0, 3), '      - url: ${A}', '    failover: ${B}', ...route);
    expect(errorOf(text).issues.map((i) => i.path)).toEqual([
      'pools.app.endpoints[0].url',
      'pools.app.failover',
    ]);
  });
});
