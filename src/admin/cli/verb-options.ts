import { BulwarkError } from '../../core/errors.ts';
import { stringOption, type CliIo, type CommandOption, type OptionValues } from './command.ts';

// What the admin commands (incident, maintenance, status, subscriber, silence) share: per-verb option checks
// (options are declared per command, not per verb).

export const jsonOption: CommandOption = {
  name: 'json',
  type: 'boolean',
  description: "Print the API's JSON instead of a table",
};

/** Who a write is recorded as (a silence's creator, an alert's acknowledger): --author, else the login name. */
export function authorOf(values: OptionValues, io: CliIo): string {
  return stringOption(values, 'author') ?? io.env?.USER ?? process.env.USER ?? 'cli';
}

/** Options every verb accepts: where the admin API is, and help. */
const commonOptions = new Set(['config', 'admin', 'help']);

/** Usage error for an option the verb does not take, so `incident publish ID --body x` is not silently dropped. */
export function refuseOtherOptions(values: OptionValues, verb: string, allowed: readonly string[]): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || commonOptions.has(name) || allowed.includes(name)) continue;
    const takes = allowed.length > 0 ? allowed.map((o) => `--${o}`).join(', ') : 'no options';
    throw new BulwarkError('CLI_USAGE', `${verb}: --${name} does not apply here (it takes ${takes})`);
  }
}

/** Exactly one ID after the verb. */
export function oneId(verb: string, args: readonly string[]): string {
  const [id] = args;
  if (!id || args.length > 1) throw new BulwarkError('CLI_USAGE', `${verb}: give one ID`);
  return id;
}

/** No words after the verb. */
export function noArguments(verb: string, args: readonly string[]): void {
  if (args.length > 0) throw new BulwarkError('CLI_USAGE', `${verb}: unexpected argument "${args[0]}"`);
}

/** A closed set of values, such as a status; undefined when the option is absent. */
export function choiceOption<T extends string>(
  values: OptionValues,
  name: string,
  choices: readonly T[],
  verb: string,
): T | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const choice = choices.find((c) => c === value);
  if (choice === undefined)
    throw new BulwarkError(
      'CLI_USAGE',
      `${verb}: --${name} expects one of ${choices.join(' | ')}, got "${String(value)}"`,
    );
  return choice;
}
