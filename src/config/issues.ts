import type { z } from 'zod';
import type { Document, LineCounter, Node } from 'yaml';
import type { ConfigIssue } from './config-error.ts';
import { describeValue, expectedPhrase, hasAuthoredMessage, quote } from './describe-issue.ts';
import { formatPath, locate, positionOf, type YamlPath } from './locate.ts';
import { allowedKeys, scalarDescription, schemaAt, unitHintOf } from './schema-walk.ts';
import { closestMatch } from './suggest.ts';

/** Everything needed to turn a zod issue into a located, readable, secret-free ConfigIssue. */
export interface IssueContext {
  readonly file: string;
  readonly document: Document;
  readonly lineCounter: LineCounter;
  /** The value handed to zod (after interpolation). */
  readonly input: unknown;
  readonly schema: z.core.$ZodType;
  /** Source text of scalars filled from the environment; shown instead of their values. */
  readonly sourceByNode: ReadonlyMap<Node, string>;
}

/** Maps zod issues to ConfigIssues in file order, leaving out those at or under a path `isSkipped` names. */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  context: IssueContext,
  isSkipped: (path: YamlPath) => boolean = () => false,
): ConfigIssue[] {
  const issuesOf = (issue: z.core.$ZodIssue): ConfigIssue[] => {
    if (isSkipped(issue.path)) return [];
    if (issue.code === 'unrecognized_keys') return unknownKeyIssues(issue, context);
    const branch = closestBranch(issue);
    return branch ? branch.flatMap(issuesOf) : [valueIssue(issue, context)];
  };
  return issues.flatMap(issuesOf).sort(byPosition);
}

/**
 * A mapping that fits no option of a union (a status page component or group) is reported as the option it
 * came closest to, with that option's own issues, instead of a bare "invalid input".
 */
function closestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] | undefined {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0 || expectedPhrase(issue)) return undefined;
  const [closest] = [...issue.errors].sort((a, b) => a.length - b.length);
  return closest?.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
}

export function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return a.line - b.line || a.column - b.column;
}

/** A ConfigIssue at a path; a missing path points at the nearest existing parent. */
export function issueAt(
  context: IssueContext,
  path: YamlPath,
  message: string,
  isAtKey = false,
): ConfigIssue {
  const located = locate(context.document, path);
  const node = isAtKey && located.keyNode ? located.keyNode : located.node;
  const { line, column } = positionOf(node, context.lineCounter);
  return { file: context.file, path: formatPath(path), line, column, message };
}

function unknownKeyIssues(issue: z.core.$ZodIssueUnrecognizedKeys, context: IssueContext): ConfigIssue[] {
  const allowed = allowedKeys(schemaAt(context.schema, issue.path), valueAt(context.input, issue.path));
  return issue.keys.map((key) => {
    const suggestion = closestMatch(key, allowed);
    const hint = suggestion
      ? ` (did you mean "${suggestion}"?)`
      : allowed.length
        ? `; allowed keys: ${allowed.join(', ')}`
        : '';
    return issueAt(context, [...issue.path, key], `unknown key ${quote(key)}${hint}`, true);
  });
}

function valueIssue(issue: z.core.$ZodIssue, context: IssueContext): ConfigIssue {
  const located = locate(context.document, issue.path);
  if (issue.code === 'invalid_type' && !located.isFound) {
    const key = String(issue.path.at(-1) ?? '');
    return issueAt(context, issue.path, `missing required key ${quote(key)}`);
  }
  if (issue.code === 'invalid_key') return issueAt(context, issue.path, keyMessage(issue), true);
  // A refinement that judged a default (the key is not in the file) says so, and has no value to quote.
  const aboutDefault = paramOf(issue, 'whenDefault');
  if (!located.isFound && typeof aboutDefault === 'string') return issueAt(context, issue.path, aboutDefault);
  const source = located.node ? context.sourceByNode.get(located.node) : undefined;
  const found = source === undefined ? foundValue(issue, context) : fromEnvironment(issue, context, source);
  return issueAt(context, issue.path, withLines(valueMessage(issue, context, found, source), issue, context));
}

function paramOf(issue: z.core.$ZodIssue, name: string): unknown {
  return issue.code === 'custom' ? issue.params?.[name] : undefined;
}

/** Fills `{name}` in a refinement's message with the line of `params.lineOf[name]`: refinements see no lines. */
function withLines(message: string, issue: z.core.$ZodIssue, context: IssueContext): string {
  const lineOf = paramOf(issue, 'lineOf');
  if (typeof lineOf !== 'object' || lineOf === null) return message;
  return message.replace(/\{(\w+)\}/g, (text, name: string) => {
    const path: unknown = (lineOf as Record<string, unknown>)[name];
    if (!Array.isArray(path)) return text;
    return String(positionOf(locate(context.document, path as YamlPath).node, context.lineCounter).line);
  });
}

function valueMessage(
  issue: z.core.$ZodIssue,
  context: IssueContext,
  found: string,
  source?: string,
): string {
  // A suggestion would hint at a value from the environment, which may be a secret.
  const hint = source === undefined ? suggestion(issue, context) : '';
  if (hasAuthoredMessage(issue)) {
    // The value is appended below as `found`; strip it from authored text in case it came from a secret.
    // A reference's message lists the names it may take and never the value: scrubbing would mangle a name.
    const authored =
      source === undefined || candidatesOf(issue)
        ? issue.message
        : scrub(issue.message, valueAt(context.input, issue.path), source);
    // A value from the environment is shown as its ${NAME}, so saying where it came from never leaks it.
    return authored.startsWith('expected') || source !== undefined
      ? `${authored}, found ${found}${hint}`
      : authored;
  }
  const description = scalarDescription(schemaAt(context.schema, issue.path));
  const expected = description ? `expected ${lowerFirst(description)}` : expectedPhrase(issue);
  if (expected === undefined) return issue.message;
  return `${expected}, found ${found}${hint}`;
}

/** `"${TOKEN}" (from the environment)`: the reference, never the value, though an empty value is named. */
function fromEnvironment(issue: z.core.$ZodIssue, context: IssueContext, source: string): string {
  const isEmpty = valueAt(context.input, issue.path) === '';
  return `${quote(source)} (from the environment${isEmpty ? ', where it is empty' : ''})`;
}

function foundValue(issue: z.core.$ZodIssue, context: IssueContext): string {
  const value = valueAt(context.input, issue.path);
  return Array.isArray(value) && (issue.code === 'too_small' || issue.code === 'too_big')
    ? `${value.length} item${value.length === 1 ? '' : 's'}`
    : describeValue(value);
}

function suggestion(issue: z.core.$ZodIssue, context: IssueContext): string {
  const value = valueAt(context.input, issue.path);
  const guesses = unitHintOf(schemaAt(context.schema, issue.path))?.guessesFor(value) ?? [];
  if (guesses.length > 0) return ` (did you mean ${guesses.join(' or ')}?)`;
  const candidates = candidatesOf(issue);
  if (typeof value !== 'string' || candidates === undefined) return '';
  const match = closestMatch(value, candidates);
  return match ? ` (did you mean "${match}"?)` : '';
}

/** The words a value could have meant: an enum's values, a union's tags, or the names a reference may take. */
function candidatesOf(issue: z.core.$ZodIssue): readonly string[] | undefined {
  if (issue.code === 'invalid_value') return issue.values.map(String);
  if (issue.code === 'invalid_union') {
    if ('options' in issue && issue.options) return issue.options.map(String);
    // A plain union (a word or a status code): the words of its branches that name a set of values.
    const words = issue.errors.flatMap((branch) =>
      branch.flatMap((inner) =>
        inner.code === 'invalid_value' && inner.path.length === 0 ? inner.values.map(String) : [],
      ),
    );
    return words.length > 0 ? words : undefined;
  }
  const candidates: unknown = issue.code === 'custom' ? issue.params?.candidates : undefined;
  return Array.isArray(candidates) ? candidates.map(String) : undefined;
}

function keyMessage(issue: z.core.$ZodIssueInvalidKey): string {
  const reasons = issue.issues.map((inner) =>
    hasAuthoredMessage(inner) ? inner.message : (expectedPhrase(inner) ?? inner.message),
  );
  return `invalid name ${quote(String(issue.path.at(-1)))}: ${reasons.join('; ')}`;
}

function valueAt(input: unknown, path: YamlPath): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/**
 * Replaces the value, where the message quotes it, with its `${NAME}`. Only where it stands alone: a short
 * value (`s`) inside words would otherwise turn "a secret of at least" into "a ${HOOK}ecret of at lea${HOOK}t".
 */
function scrub(message: string, value: unknown, source: string): string {
  if (typeof value !== 'string' || value === '') return message;
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return message.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'gu'), () => source);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
