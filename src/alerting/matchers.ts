import type { LabelMatcher } from './alert-store.ts';
import type { Labels } from './alert.ts';

export type { LabelMatcher } from './alert-store.ts';

const matcherPattern = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/**
 * `severity=critical`, `pool!=api`, `monitor=~"db-.*"`, `alertname!~test` (Alertmanager's matcher syntax;
 * quotes around the value are optional). Regexes are anchored, as in Alertmanager.
 */
export function parseMatcher(text: string): LabelMatcher | { error: string } {
  const match = matcherPattern.exec(text);
  if (!match) return { error: `expected NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX, got "${text}"` };
  const [, name = '', operator = '', rawValue = ''] = match;
  const value = /^".*"$/.test(rawValue) ? rawValue.slice(1, -1) : rawValue;
  const matcher = {
    name,
    value,
    isRegex: operator === '=~' || operator === '!~',
    isEqual: operator[0] === '=',
  };
  const problem = matcherProblem(matcher);
  return problem === undefined ? matcher : { error: problem };
}

/** Why a matcher cannot be evaluated (a regex that does not compile), or undefined when it can. */
export function matcherProblem(matcher: LabelMatcher): string | undefined {
  if (!matcher.isRegex) return undefined;
  try {
    regexOf(matcher.value);
    return undefined;
  } catch {
    return `"${matcher.value}" is not a valid regular expression`;
  }
}

/** The matcher as written: round-trips through parseMatcher. */
export function formatMatcher(matcher: LabelMatcher): string {
  const operator = `${matcher.isEqual ? '=' : '!'}${matcher.isRegex ? '~' : matcher.isEqual ? '' : '='}`;
  return `${matcher.name}${operator}${matcher.isRegex ? `"${matcher.value}"` : matcher.value}`;
}

const regexCache = new Map<string, RegExp>();

/** A missing label matches as the empty string (Alertmanager's rule). */
export function matchesLabel(matcher: LabelMatcher, labels: Labels): boolean {
  const actual = labels[matcher.name] ?? '';
  const isMatch = matcher.isRegex ? regexOf(matcher.value).test(actual) : actual === matcher.value;
  return isMatch === matcher.isEqual;
}

export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  return matchers.every((matcher) => matchesLabel(matcher, labels));
}

/** `{ severity: critical }` as equality matchers (the config's `match:` shorthand). */
export function equalityMatchers(match: Labels): LabelMatcher[] {
  return Object.entries(match).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

function regexOf(source: string): RegExp {
  let regex = regexCache.get(source);
  if (!regex) {
    regex = new RegExp(`^(?:${source})$`);
    regexCache.set(source, regex);
  }
  return regex;
}
