import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error.ts';
import { interpolateDocument, type Env } from './interpolate.ts';
import { byPosition, issueAt, toConfigIssues, type IssueContext } from './issues.ts';
import { positionAt } from './locate.ts';
import { configSchema, type Config } from './schema.ts';

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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const issue: ConfigIssue = { file: path, path: '', line: 0, column: 0, message: readFailure(code) };
    throw new ConfigError(code === 'ENOENT' ? 'CFG_NOT_FOUND' : 'CFG_INVALID', [issue], { cause: error });
  }
  return parseConfigText(text, { ...options, file: path });
}

function readFailure(code: string | undefined): string {
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory, not a config file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot be read (${code ?? 'unknown error'})`;
}

/** Parses YAML text into a validated Config. Throws ConfigError listing every problem with its line and column. */
export function parseConfigText(text: string, options: ParseOptions = {}): Config {
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
  const { sourceByNode, problems } = interpolateDocument(document.contents, options.env ?? process.env);
  const input: unknown = document.toJS();
  // reportInput lets zod's default messages be recognised (and replaced) exactly; the input itself is never printed.
  const result = configSchema.safeParse(input, { reportInput: true });
  const context: IssueContext = { file, document, lineCounter, sourceByNode, schema: configSchema, input };
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

function syntaxIssues(
  document: Document,
  lineCounter: LineCounter,
  file: string,
  text: string,
): ConfigIssue[] {
  // After the first real syntax error the parser reports a cascade of follow-on errors; only the first helps.
  const firstBreak = document.errors.find((error) => error.code !== 'DUPLICATE_KEY');
  const kept = document.errors.filter((error) => error.code === 'DUPLICATE_KEY' || error === firstBreak);
  return kept.map((error) => {
    const { line, column } = positionAt(error.pos[0], lineCounter);
    const lineText = text.split('\n')[line - 1] ?? '';
    // `{` and `}` end a plain scalar inside flow collections, so an unquoted ${VAR} there breaks the YAML.
    const hint =
      error !== firstBreak || !/[{[].*\$\{/.test(lineText)
        ? ''
        : ' (quote values that use ${...} inside { } or [ ])';
    return {
      file,
      path: '',
      line,
      column,
      message: `YAML syntax error: ${error.message.split('\n')[0] ?? error.code}${hint}`,
    };
  });
}
