import { BulwarkError } from '../core/errors.ts';

/** One problem in a config file, located so an editor (or a person) can jump straight to it. */
export interface ConfigIssue {
  readonly file: string;
  /** YAML path such as `pools.api.endpoints[0].url`; empty for the document itself. */
  readonly path: string;
  /** 1-based; 0 when the problem has no position (a file that cannot be read). */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** A config that cannot be used. The message lists every issue, one `file:line:col path: message` per line. */
export class ConfigError extends BulwarkError {
  readonly issues: readonly ConfigIssue[];
  constructor(code: 'CFG_INVALID' | 'CFG_NOT_FOUND', issues: readonly ConfigIssue[], options?: ErrorOptions) {
    super(code, issues.map(formatIssue).join('\n'), options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `bulwark.yaml:12:7 pools.api.balancer: expected …` — the file:line:col prefix is what editors make clickable. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}
