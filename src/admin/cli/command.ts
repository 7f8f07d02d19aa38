import type { Env } from '../../config/index.ts';

/** The process around a command, injected so commands run the same under tests as from a shell. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Resolves with the signal name when the process is asked to stop (SIGINT, SIGTERM). */
  waitForStop(): Promise<string>;
  /** Calls `onHangup` on every SIGHUP (reload); returns a function that stops listening. */
  onHangup?(onHangup: () => void): () => void;
  /** For `${VAR}` interpolation; the config loader uses process.env when absent. */
  readonly env?: Env | undefined;
}

/** 0 ok, 1 runtime failure, 2 bad usage or bad config: scripts and CI can tell "fix your file" from "it broke". */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

export interface CommandOption {
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  /** Placeholder shown in help for a string option, such as FILE or N. */
  readonly valueName?: string;
  readonly description: string;
  /** A string option that may be given again (`--component a=x --component b=y`); its value is a list. */
  readonly multiple?: boolean;
}

export type OptionValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

/** One CLI verb: one file per command, listed once in run-cli.ts. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: readonly CommandOption[];
  /** Whether words after the command name are accepted (`silence add MATCHER…`); they reach run() as `args`. */
  readonly takesArguments?: boolean;
  run(values: OptionValues, io: CliIo, args: readonly string[]): Promise<number>;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Every value of a repeatable option, in the order given; empty when absent. */
export function stringsOption(values: OptionValues, name: string): readonly string[] {
  const value = values[name];
  if (typeof value === 'string') return [value];
  return typeof value === 'object' ? value : [];
}
