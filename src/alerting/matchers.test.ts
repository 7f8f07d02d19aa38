import { describe, expect, it } from 'vitest';
import { formatMatcher, matchesAll, parseMatcher } from './matchers.ts';

describe('label matchers', () => {
  it.each([
    ['severity=critical', { severity: 'critical' }, true],
    ['severity=critical', { severity: 'warning' }, false],
    ['pool!=api', { pool: 'web' }, true],
    ['pool!=api', {}, true],
    ['monitor=~"db-.*"', { monitor: 'db-primary' }, true],
    ['monitor=~db', { monitor: 'db-primary' }, false],
    ['alertname!~test.*', { alertname: 'testing' }, false],
    ['team=', {}, true],
  ])('%s against %j → %s', (text, labels, expected) => {
    const matcher = parseMatcher(text);
    if ('error' in matcher) throw new Error(matcher.error);
    expect(matchesAll([matcher], labels)).toBe(expected);
  });

  it('round-trips through its text form', () => {
    for (const text of ['a=b', 'a!=b', 'a=~"x.*"', 'a!~"y|z"']) {
      const matcher = parseMatcher(text);
      if ('error' in matcher) throw new Error(matcher.error);
      expect(formatMatcher(matcher)).toBe(text);
    }
  });

  it('rejects malformed matchers and bad regexes with a clear message', () => {
    expect(parseMatcher('severity')).toHaveProperty('error', expect.stringContaining('NAME=VALUE') as string);
    expect(parseMatcher('a=~"("')).toEqual({ error: '"(" is not a valid regular expression' });
  });
});
