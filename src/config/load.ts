import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error.ts';
import { interpolateDocument, type Env } from './interpolate.ts';
import { byPosition, issueAt, toConfigIssues, type IssueContext } from './issues.ts';
import { configSchema, type Config } from './schema.ts';
import { syntaxIssues } from './syntax-issues.ts';

export interface ParseOptions {
  /** Shown in error messages; default `bulwark.yaml`. */
  readonly file?: string | undefined;
  /** Where `${VAR}` references are looked up; default process.env (the one place Bulwark reads it). */
  readonly env?: Env | undefined;
}

/** Reads, interpolates and validates a config file. Throws ConfigError (CFG_NOT_FOUND or CFG_INVALID). */
export async function loadConfigFile(
  path: string,
  options: Omit<ParseOptions, 'file'> = {},
): Promise<Config> {
  return parseConfigText(await readConfigText(path), { ...options, file: path });
}

export async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const issue: ConfigIssue = { file: path, path: '', line: 0, column: 0, message: readFailure(code) };
    throw new ConfigError(code === 'ENOENT' ? 'CFG_NOT_FOUND' : 'CFG_INVALID', [issue], { cause: error });
  }
}

function readFailure(code: string | undefined): string {
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory, not a config file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot be read (${code ?? 'unknown error'})`;
}

/** Parses YAML text into a validated Config. Throws ConfigError listing every problem with its line and column. */
export function parseConfigText(text: string, options: ParseOptions = {}): Config {
  return parseWith(configSchema, text, options);
}

export interface PartOptions extends ParseOptions {
  /** Where the schema reads; an unset variable elsewhere in the file is none of its business. */
  readonly isRead: (path: readonly PropertyKey[]) => boolean;
}

/** Parses YAML text and validates it with `schema`: a whole config, or the part of one a command needs. */
export function parseWith<T>(
  schema: z.ZodType<T>,
  text: string,
  options: ParseOptions & Partial<PartOptions> = {},
): T {
  const file = options.file ?? 'bulwark.yaml';
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0)
    throw new ConfigError('CFG_INVALID', syntaxIssues(document, lineCounter, file, text));
  if (document.contents === null) {
    throw new ConfigError('CFG_INVALID', [
      { file, path: '', line: 1, column: 1, message: 'the file is empty' },
    ]);
  }
  // Interpolating parsed scalars, never raw text, means a variable's value cannot add keys or structure.
  const interpolated = interpolateDocument(document.contents, options.env ?? process.env);
  const { sourceByNode } = interpolated;
  const problems = interpolated.problems.filter((p) => options.isRead?.(p.path) ?? true);
  const input: unknown = document.toJS();
  // reportInput lets zod's default messages be recognised (and replaced) exactly; the input itself is never printed.
  const result = schema.safeParse(input, { reportInput: true });
  const context: IssueContext = { file, document, lineCounter, sourceByNode, schema, input };
  // An unset variable left its `${NAME}` text in place so the rest could be checked; what that text itself
  // breaks is the same problem, already reported.
  const isPlaceholder = (path: readonly PropertyKey[]) =>
    problems.some((p) => p.path.every((segment, i) => path[i] === segment));
  const issues = [
    ...problems.map((p) => issueAt(context, p.path, p.message)),
    ...(result.success ? [] : toConfigIssues(result.error.issues, context, isPlaceholder)),
  ];
  if (issues.length > 0 || !result.success) throw new ConfigError('CFG_INVALID', issues.sort(byPosition));
  return result.data;
}
