import type { Observation } from './observation.ts';
import { parseDurationMs } from './units.ts';

/**
 * The monitor assertion language: `<fact> <operator> <value>`, e.g. `status == 200`,
 * `response_time < 800ms`, `body.json.items[0].id >= 3`, `header.content-type contains json`.
 * Parsed and typed once at config load; evaluation never re-reads the text.
 */
export type AssertionOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | '!contains' | 'matches';
export type AssertionFact =
  'status' | 'response_time' | 'body' | 'body.json' | 'header' | 'cert.days_left' | 'answers' | 'connected';
/** The right-hand side, typed for its fact: response_time in ms, body/header/answers as text. */
export type AssertionValue = string | number | boolean | null;

export interface Assertion {
  /** The original, trimmed, for messages. */
  readonly text: string;
  readonly fact: AssertionFact;
  /** body.json: the keys and array indexes below the document; header: its lower-cased name; else empty. */
  readonly path: readonly (string | number)[];
  readonly operator: AssertionOperator;
  /** For `matches`, the regular expression's source. */
  readonly expected: AssertionValue;
  /** Compiled once at parse time for `matches`; undefined for every other operator. */
  readonly pattern: RegExp | undefined;
}

export interface AssertionResult {
  readonly ok: boolean;
  /** e.g. `expected status == 200, got 503`; when ok, `status == 200 (got 200)`. */
  readonly message: string;
}

const factList =
  'status, response_time, body, body.json.<path>, header.<name>, cert.days_left, answers, connected';
const comparing: readonly AssertionOperator[] = ['==', '!=', '<', '<=', '>', '>='];
const textual: readonly AssertionOperator[] = ['contains', '!contains', 'matches'];
const operatorsOf: Readonly<Record<AssertionFact, readonly AssertionOperator[]>> = {
  status: comparing,
  response_time: comparing,
  'cert.days_left': comparing,
  connected: ['==', '!='],
  body: ['==', '!=', ...textual],
  header: [...comparing, ...textual],
  'body.json': [...comparing, ...textual],
  answers: textual,
};
// Facts named by one word; header and body.json take a name or path after it.
const simpleFacts = new Set<string>(
  Object.keys(operatorsOf).filter((fact) => !['header', 'body.json'].includes(fact)),
);
// Longest first, so `<=` is not read as `<`; a word operator ends at a word boundary (`containsx` is none).
const operatorPattern = /^(?:==|!=|<=|>=|<|>|!contains\b|contains\b|matches\b)/;
const maxShownChars = 100;

interface ValueToken {
  readonly text: string;
  readonly isQuoted: boolean;
}
type Parsed<T> = T | { readonly error: string };

export function parseAssertion(text: string): { readonly assertion: Assertion } | { readonly error: string } {
  const source = text.trim();
  const factWord = /^[^\s=!<>"]+/.exec(source)?.[0];
  if (factWord === undefined) return { error: `expected a fact at the start (${factList})` };
  const subject = parseSubject(factWord);
  if ('error' in subject) return subject;
  const rest = source.slice(factWord.length).trimStart();
  const operator = operatorPattern.exec(rest)?.[0] as AssertionOperator | undefined;
  if (operator === undefined) {
    return {
      error: `expected an operator (${comparing.join(' ')} ${textual.join(' ')}) after "${factWord}"`,
    };
  }
  const allowed = operatorsOf[subject.fact];
  if (!allowed.includes(operator))
    return { error: `${subject.fact} takes ${orList(allowed)}, not ${operator}` };
  const token = parseValue(rest.slice(operator.length).trim(), operator);
  if ('error' in token) return token;
  if (operator === 'matches') {
    const pattern = compilePattern(token.text);
    if (pattern instanceof RegExp) {
      return { assertion: { text: source, ...subject, operator, expected: token.text, pattern } };
    }
    return pattern;
  }
  const typed = expectedFor(subject.fact, operator, token);
  if ('error' in typed) return typed;
  return { assertion: { text: source, ...subject, operator, expected: typed.value, pattern: undefined } };
}

function parseSubject(word: string): Parsed<Pick<Assertion, 'fact' | 'path'>> {
  if (simpleFacts.has(word)) return { fact: word as AssertionFact, path: [] };
  if (word.startsWith('header.')) {
    const name = word.slice('header.'.length);
    // RFC 9110 token characters: anything else could never name a header.
    if (!/^[!#$%&'*+.^_`|~\w-]+$/.test(name)) return { error: `invalid header name "${name}" in "${word}"` };
    return { fact: 'header', path: [name.toLowerCase()] };
  }
  if (/^body\.json(?:$|[.[])/.test(word)) {
    const path = parseJsonPath(word.slice('body.json'.length));
    if (path) return { fact: 'body.json', path };
    return {
      error: `invalid JSON path "${word}" (use .key and [index] segments, like body.json.items[0].id)`,
    };
  }
  return { error: `unknown fact "${word}" (expected ${factList})` };
}

function parseJsonPath(text: string): (string | number)[] | undefined {
  const segment = /\.([^.[\]]+)|\[(\d+)\]/y;
  const path: (string | number)[] = [];
  while (segment.lastIndex < text.length) {
    const match = segment.exec(text);
    if (!match) return undefined;
    path.push(match[2] === undefined ? (match[1] ?? '') : Number(match[2]));
  }
  return path;
}

// Inside quotes only `\"` is an escape; every other backslash stays, so a regex reads as it does elsewhere.
function parseValue(text: string, operator: AssertionOperator): Parsed<ValueToken> {
  if (text === '') return { error: `expected a value after ${operator}` };
  if (!text.startsWith('"')) {
    if (/\s/.test(text)) return { error: `a value with spaces must be quoted: "${text}"` };
    return { text, isQuoted: false };
  }
  const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!quoted) return { error: `unterminated quoted value ${text}` };
  const after = text.slice(quoted[0].length).trim();
  if (after !== '') return { error: `unexpected "${after}" after the quoted value` };
  return { text: (quoted[1] ?? '').replaceAll('\\"', '"'), isQuoted: true };
}

function compilePattern(source: string): RegExp | { readonly error: string } {
  try {
    return new RegExp(source);
  } catch (error) {
    const reason =
      error instanceof Error ? (error.message.split(': ').at(-1) ?? error.message) : String(error);
    return { error: `invalid regular expression "${source}": ${reason}` };
  }
}

function expectedFor(
  fact: AssertionFact,
  operator: AssertionOperator,
  token: ValueToken,
): Parsed<{ readonly value: AssertionValue }> {
  const literal = token.isQuoted ? token.text : bareLiteral(token.text);
  switch (fact) {
    case 'status':
    case 'cert.days_left':
      if (typeof literal === 'number') return { value: literal };
      return { error: `${fact} compares with a number like ${fact === 'status' ? '200' : '14'}` };
    case 'response_time': {
      // A bare number means ms, like the unit response_time is measured in.
      const ms =
        typeof literal === 'number' ? literal : token.isQuoted ? undefined : parseDurationMs(token.text);
      return ms === undefined
        ? { error: 'response_time compares with a duration like 800ms' }
        : { value: ms };
    }
    case 'connected':
      if (typeof literal === 'boolean') return { value: literal };
      return { error: 'connected compares with true or false' };
    case 'body':
    case 'answers':
      return { value: token.text };
    case 'header':
    case 'body.json':
      if (['<', '<=', '>', '>='].includes(operator)) {
        return typeof literal === 'number'
          ? { value: literal }
          : { error: `${operator} needs a number on the right` };
      }
      // A header value is text, so only `null` (absent) keeps its type; JSON values keep theirs.
      return { value: fact === 'body.json' || literal === null ? literal : token.text };
  }
}

function bareLiteral(text: string): AssertionValue {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  return /^-?\d+(?:\.\d+)?$/.test(text) ? Number(text) : text;
}

function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1) ?? ''}`;
}

/**
 * What the assertion reads from an observation. `unobserved`: the check never saw the fact (transport
 * error, or a check kind without it), always a failure. An absent header or JSON key reads as null, with
 * `shown` saying why, so `== null` can assert absence.
 */
type Reading = { readonly value: unknown; readonly shown?: string } | { readonly unobserved: string };

export function evaluateAssertion(assertion: Assertion, observation: Observation): AssertionResult {
  const reading = read(assertion, observation);
  if ('unobserved' in reading) {
    return { ok: false, message: `expected ${assertion.text}, got ${reading.unobserved}` };
  }
  const verdict = holds(assertion, reading.value);
  const got = reading.shown ?? show(assertion.fact, reading.value);
  if (verdict === true) return { ok: true, message: `${assertion.text} (got ${got})` };
  const why = typeof verdict === 'string' && reading.shown === undefined ? ` (${verdict})` : '';
  return { ok: false, message: `expected ${assertion.text}, got ${got}${why}` };
}

function read(assertion: Assertion, observation: Observation): Reading {
  const nothing = (fact: string): Reading => ({
    unobserved: `nothing (${observation.error ?? `no ${fact} observed`})`,
  });
  const has = (value: unknown, fact: string): Reading => (value === undefined ? nothing(fact) : { value });
  switch (assertion.fact) {
    case 'status':
      return has(observation.status, 'status');
    case 'response_time':
      return { value: observation.responseTimeMs };
    case 'body':
      return has(observation.body, 'body');
    case 'cert.days_left':
      return has(observation.certDaysLeft, 'certificate');
    case 'answers':
      return has(observation.answers, 'answers');
    case 'connected':
      return has(observation.connected, 'connection state');
    case 'header': {
      const { headers } = observation;
      const name = String(assertion.path[0]);
      if (headers === undefined) return nothing('headers');
      // hasOwn: `header.constructor` must not read Object.prototype.
      if (Object.hasOwn(headers, name)) return { value: headers[name] };
      return { value: null, shown: `no value (no ${name} header)` };
    }
    case 'body.json':
      return readJson(assertion.path, observation);
  }
}

function readJson(path: readonly (string | number)[], observation: Observation): Reading {
  if (observation.body === undefined)
    return { unobserved: `nothing (${observation.error ?? 'no body observed'})` };
  const document = parsedBody(observation, observation.body);
  if (document === undefined) return { unobserved: 'no value (body is not JSON)' };
  let node = document.value;
  for (const segment of path) {
    node = typeof segment === 'number' ? stepIndex(node, segment) : stepKey(node, segment);
    if (node === undefined) return { value: null, shown: `no value (${jsonPathText(path)} is absent)` };
  }
  return { value: node };
}

function stepIndex(node: unknown, index: number): unknown {
  return Array.isArray(node) ? (node as unknown[])[index] : undefined;
}

function stepKey(node: unknown, key: string): unknown {
  const isObject = typeof node === 'object' && node !== null && !Array.isArray(node);
  return isObject && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

function jsonPathText(path: readonly (string | number)[]): string {
  const segments = path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`));
  return `body.json${segments.join('')}`;
}

// One parse per observation however many assertions read the JSON; weak keys let observations be collected.
const parsedBodies = new WeakMap<Observation, { readonly value: unknown } | undefined>();

function parsedBody(observation: Observation, body: string): { readonly value: unknown } | undefined {
  if (parsedBodies.has(observation)) return parsedBodies.get(observation);
  let parsed: { readonly value: unknown } | undefined;
  try {
    parsed = { value: JSON.parse(body) as unknown };
  } catch {
    parsed = undefined;
  }
  parsedBodies.set(observation, parsed);
  return parsed;
}

/** true or false; a string says why the operator cannot apply to what was seen (a failure). */
function holds(assertion: Assertion, actual: unknown): boolean | string {
  const { operator, expected, fact } = assertion;
  switch (operator) {
    case '==':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const number = asNumber(actual, fact === 'header');
      if (number === undefined || typeof expected !== 'number') return 'not a number';
      return compareNumbers(number, operator, expected);
    }
    case 'contains':
      return contains(actual, expected, fact === 'answers');
    case '!contains': {
      const verdict = contains(actual, expected, fact === 'answers');
      return typeof verdict === 'string' ? verdict : !verdict;
    }
    case 'matches':
      return matches(actual, assertion.pattern);
  }
}

function compareNumbers(actual: number, operator: '<' | '<=' | '>' | '>=', expected: number): boolean {
  if (operator === '<') return actual < expected;
  if (operator === '<=') return actual <= expected;
  if (operator === '>') return actual > expected;
  return actual >= expected;
}

function asNumber(actual: unknown, isText: boolean): number | undefined {
  if (typeof actual === 'number') return actual;
  // Header values are always text; `content-length < 1000` means the number they spell.
  if (isText && typeof actual === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(actual)) return Number(actual);
  return undefined;
}

// On answers, contains means one answer equals the value (exact, not substring: `1.2.3.4` must not match
// `11.2.3.45`). DNS names are case-insensitive and resolvers differ on the root dot, so both are ignored.
function contains(actual: unknown, expected: AssertionValue, isAnswers: boolean): boolean | string {
  if (actual === null) return false;
  if (typeof actual === 'string') return actual.includes(String(expected));
  if (!Array.isArray(actual)) return 'not text or a list';
  if (!isAnswers) return actual.some((item) => item === expected);
  const wanted = answerKey(String(expected));
  return actual.some((answer) => typeof answer === 'string' && answerKey(answer) === wanted);
}

function answerKey(answer: string): string {
  return answer.toLowerCase().replace(/\.$/, '');
}

function matches(actual: unknown, pattern: RegExp | undefined): boolean | string {
  const isScalar = (value: unknown): value is string | number | boolean =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  if (pattern === undefined) return 'no pattern';
  if (isScalar(actual)) return pattern.test(String(actual));
  if (Array.isArray(actual)) return actual.some((item) => isScalar(item) && pattern.test(String(item)));
  return 'not text';
}

function show(fact: AssertionFact, value: unknown): string {
  if (fact === 'response_time' && typeof value === 'number') return `${Math.round(value)}ms`;
  if (typeof value === 'string' && value.length > maxShownChars) {
    return `${JSON.stringify(`${value.slice(0, maxShownChars)}…`)} (${value.length} chars)`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > maxShownChars ? `${text.slice(0, maxShownChars)}…` : text;
}

/** Which facts an assertion list needs, so a check can skip e.g. reading a body nobody asserts on. */
export function factsNeeded(assertions: readonly Assertion[]): {
  readonly body: boolean;
  readonly json: boolean;
  readonly headers: boolean;
  readonly cert: boolean;
} {
  const facts = new Set(assertions.map((assertion) => assertion.fact));
  return {
    body: facts.has('body') || facts.has('body.json'),
    json: facts.has('body.json'),
    headers: facts.has('header'),
    cert: facts.has('cert.days_left'),
  };
}
