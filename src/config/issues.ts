import type { z } from 'zod';
import type { Document, LineCounter, Node } from 'yaml';
import type { ConfigIssue } from './config-error.ts';
import { describeValue, expectedPhrase, hasAuthoredMessage, quote } from './describe-issue.ts';
import { formatPath, locate, positionOf, type YamlPath } from './locate.ts';
import { allowedKeys, scalarDescription, schemaAt } from './schema-walk.ts';
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

/** Maps zod issues to ConfigIssues in file order. */
export function toConfigIssues(issues: readonly z.core.$ZodIssue[], context: IssueContext): ConfigIssue[] {
  return issues
    .flatMap((issue) =>
      issue.code === 'unrecognized_keys' ? unknownKeyIssues(issue, context) : [valueIssue(issue, context)],
    )
    .sort((a, b) => a.line - b.line || a.column - b.column);
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
  const allowed = allowedKeys(schemaAt(context.schema, issue.path));
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
  const source = located.node ? context.sourceByNode.get(located.node) : undefined;
  const found = source === undefined ? foundValue(issue, context) : `${quote(source)} (from the environment)`;
  return issueAt(context, issue.path, valueMessage(issue, context, found, source));
}

function valueMessage(
  issue: z.core.$ZodIssue,
  context: IssueContext,
  found: string,
  source?: string,
): string {
  if (hasAuthoredMessage(issue)) {
    // The value is appended below as `found`; strip it from authored text in case it came from a secret.
    const authored =
      source === undefined ? issue.message : scrub(issue.message, valueAt(context.input, issue.path), source);
    return authored.startsWith('expected') ? `${authored}, found ${found}` : authored;
  }
  const description = scalarDescription(schemaAt(context.schema, issue.path));
  const expected = description ? `expected ${lowerFirst(description)}` : expectedPhrase(issue);
  if (expected === undefined) return issue.message;
  return `${expected}, found ${found}${source === undefined ? suggestion(issue, context) : ''}`;
}

function foundValue(issue: z.core.$ZodIssue, context: IssueContext): string {
  const value = valueAt(context.input, issue.path);
  return Array.isArray(value) && (issue.code === 'too_small' || issue.code === 'too_big')
    ? `${value.length} item${value.length === 1 ? '' : 's'}`
    : describeValue(value);
}

function suggestion(issue: z.core.$ZodIssue, context: IssueContext): string {
  const value = valueAt(context.input, issue.path);
  if (issue.code !== 'invalid_value' || typeof value !== 'string') return '';
  const match = closestMatch(value, issue.values.map(String));
  return match ? ` (did you mean "${match}"?)` : '';
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

function scrub(message: string, value: unknown, source: string): string {
  return typeof value === 'string' && value !== '' ? message.replaceAll(value, source) : message;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
