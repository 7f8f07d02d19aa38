import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, parseConfigText } from './index.ts';

/** Every issue as the CLI prints it. */
function printed(text: string): string[] {
  try {
    parseConfigText(text, { file: 'bulwark.yaml', env: {} });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatIssue);
  }
  throw new Error('expected a ConfigError');
}

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;

describe('YAML syntax errors read as every other config error', () => {
  it('name a duplicate key, its path and where it was first set', () => {
    expect(
      printed(lines('pools:', '  api:', '    endpoints: []', 'routes:', '  - pool: api', '    pool: web')),
    ).toEqual(['bulwark.yaml:6:5 routes[0].pool: duplicate key "pool", first set at line 5; keep one']);
  });

  it('give the path they lie in and what was found there', () => {
    expect(printed(lines('listen:', '  admin: 127.0.0.1:8082', ' gateway: 127.0.0.1:8080'))).toEqual([
      'bulwark.yaml:3:1 listen: invalid YAML: all mapping items must start at the same column, found " gateway: 127.0.0.1:8080"',
    ]);
  });

  it('show a tab used as indentation', () => {
    expect(printed(lines('pools:', '\tapi: {}'))).toEqual([
      'bulwark.yaml:2:1: invalid YAML: tabs are not allowed as indentation, found "\\tapi: {}"',
    ]);
  });
});
