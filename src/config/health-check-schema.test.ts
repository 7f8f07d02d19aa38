import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.ts';
import { ConfigError, parseConfigText } from './index.ts';

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;
const pool = [
  'pools:',
  '  app:',
  '    endpoints:',
  '      - url: http://127.0.0.1:3000',
  '    health_check:',
];
const route = ['routes:', '  - pool: app'];

function healthCheckOf(...rows: string[]) {
  return parseConfigText(lines(...pool, ...rows, ...route), { file: 'ok.yaml', env: {} }).pools['app']
    ?.healthCheck;
}

function issueOf(...rows: string[]) {
  try {
    parseConfigText(lines(...pool, ...rows, ...route), { file: 'bad.yaml', env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues[0];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('pools.NAME.health_check: host, headers, expected_statuses, expect_body', () => {
  it('parses codes and ranges, lower-cases header names, and keeps host and expect_body as written', () => {
    const spec = healthCheckOf(
      '      host: api.example.com:8443',
      '      headers: { X-Probe-Token: abc, X-Tries: 3 }',
      '      expected_statuses: [200, "204-206", " 300 - 302 "]',
      '      expect_body: \'"status":"ok"\'',
    );
    expect(spec).toMatchObject({
      host: 'api.example.com:8443',
      headers: [
        ['x-probe-token', 'abc'],
        ['x-tries', '3'],
      ],
      expectedStatuses: [
        { fromStatus: 200, toStatus: 200 },
        { fromStatus: 204, toStatus: 206 },
        { fromStatus: 300, toStatus: 302 },
      ],
      expectBody: '"status":"ok"',
    });
  });

  const wanted = 'expected a status code from 100 to 599 (200) or an inclusive range of them (200-299)';
  it.each([
    ['"299-200"', 'expected the lower status first, as in 200-299, found "299-200"'],
    ['"200-600"', `${wanted}, found "200-600"`],
    ['"2xx"', `${wanted}, found "2xx"`],
    ['99', `${wanted}, found 99`],
  ])('refuses %s, naming the path of the bad entry: %s', (value, message) => {
    expect(issueOf(`      expected_statuses: [200, ${value}]`)).toMatchObject({
      path: 'pools.app.health_check.expected_statuses[1]',
      line: 6,
      message,
    });
  });

  it('refuses a Host among the headers, and never shows a bad header value', () => {
    expect(issueOf('      headers: { Host: api.example.com }')).toMatchObject({
      path: 'pools.app.health_check.headers.Host',
      message: expect.stringContaining('health_check.host') as unknown,
    });
    const issue = issueOf('      headers: { X-Token: "sec\\nret" }');
    expect(issue?.path).toBe('pools.app.health_check.headers.X-Token');
    expect(issue?.message).not.toContain('sec');
  });

  it("redacts a check's headers from logged config, snake_case and camelCase", () => {
    const written: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void written.push(line) },
    });
    logger.info({ pools: { app: { health_check: { headers: { 'x-probe-token': 'p1' } } } } }, 'raw');
    logger.info({ app: { healthCheck: { headers: [['x-probe-token', 'p2']] } } }, 'parsed');
    expect(written.join('')).not.toMatch(/p1|p2/);
    expect(written.join('')).toContain('[REDACTED]');
  });
});
