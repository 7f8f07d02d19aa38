import { z } from 'zod';

/** Plain-language phrases for zod issues: what a position expected, and what the file held there. */

type Issue = z.core.$ZodIssue;

const typeNames: Readonly<Record<string, string>> = {
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

/** True when the schema author wrote the message; zod's generic ones are replaced by ours. */
export function hasAuthoredMessage(issue: Issue): boolean {
  const fallback = z.config().localeError?.(issue as z.core.$ZodRawIssue);
  return issue.message !== (typeof fallback === 'string' ? fallback : fallback?.message);
}

/** The "expected …" phrase for an issue zod described generically; undefined when it has none. */
export function expectedPhrase(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${typeNames[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return expectedValue(issue.values);
    case 'too_small':
      return `expected ${bound(issue.origin, issue.minimum, issue.inclusive !== false, 'at least', '>=', '>')}`;
    case 'too_big':
      return `expected ${bound(issue.origin, issue.maximum, issue.inclusive !== false, 'at most', '<=', '<')}`;
    case 'invalid_format':
      return `expected ${formatPhrase(issue)}`;
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return unionPhrase(issue);
    case 'invalid_key':
    case 'invalid_element':
    case 'unrecognized_keys':
    case 'custom':
      return undefined;
  }
}

function bound(
  origin: string,
  limit: number | bigint,
  isInclusive: boolean,
  words: string,
  inclusiveOp: string,
  op: string,
): string {
  if (origin === 'array') return `${words} ${limit} item${limit === 1 ? '' : 's'}`;
  if (origin === 'string') return `${words} ${limit} character${limit === 1 ? '' : 's'}`;
  return `a number ${isInclusive ? inclusiveOp : op} ${limit}`;
}

function formatPhrase(issue: z.core.$ZodIssueInvalidStringFormat): string {
  if ('prefix' in issue) return `text starting with ${JSON.stringify(issue.prefix)}`;
  if ('suffix' in issue) return `text ending with ${JSON.stringify(issue.suffix)}`;
  if (issue.format === 'regex' && issue.pattern) return `text matching ${issue.pattern}`;
  return issue.format === 'url' ? 'a URL' : `a valid ${issue.format}`;
}

function expectedValue(values: readonly unknown[]): string {
  return `expected ${values.length === 1 ? String(values[0]) : `one of ${values.join(' | ')}`}`;
}

/** "one of a | b or a number": each union branch that failed on the value's type names what it wanted. */
function unionPhrase(issue: z.core.$ZodIssueInvalidUnion): string | undefined {
  // A discriminated union whose tag matched no option (`type: https`) lists the tags.
  if ('options' in issue && issue.options?.length) return expectedValue(issue.options);
  const wanted = issue.errors.map((branch) =>
    branch.length === 1 && branch[0]?.path.length === 0
      ? expectedPhrase(branch[0])?.replace(/^expected /, '')
      : undefined,
  );
  return wanted.length > 0 && wanted.every((w) => w !== undefined)
    ? `expected ${wanted.join(' or ')}`
    : undefined;
}

/** A short rendering of a value found in the file: `"least-requests"`, `0`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'a mapping' : typeof value;
}

export function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
