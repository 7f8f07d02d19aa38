import { BulwarkError } from '../../core/errors.ts';
import { callAdmin, errorMessageOf } from './admin-client.ts';
import { exitCodes, type CliIo, type CommandOption, type OptionValues } from './command.ts';

// What the incident, maintenance and status commands share: one call with a clear "unreachable", one way
// to report a refusal, and per-verb option checks (options are declared per command, not per verb).

export const jsonOption: CommandOption = {
  name: 'json',
  type: 'boolean',
  description: "Print the API's JSON instead of a table",
};

/** Options every verb accepts: where the admin API is, and help. */
const commonOptions = new Set(['config', 'admin', 'help']);

/** An admin API call; a Bulwark that cannot be reached is a runtime failure (exit 1) that says where it looked. */
export async function callStatusApi(
  io: CliIo,
  url: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch (error) {
    throw new BulwarkError('CLI_USAGE', `--admin expects a URL such as http://127.0.0.1:8080`, {
      cause: error,
    });
  }
  try {
    return await callAdmin(io, url, init);
  } catch (error) {
    throw new Error(`cannot reach the admin API at ${origin}: ${reasonOf(error)}`, { cause: error });
  }
}

/** Prints why the API said no; exit 1. A 401 hints at the token, which is never printed. */
export function reportRefusal(io: CliIo, what: string, response: { status: number; body: unknown }): number {
  const hint = response.status === 401 ? '; set BULWARK_ADMIN_TOKEN to one of admin.tokens' : '';
  io.err(`bulwark: ${what}: ${errorMessageOf(response)}${hint}\n`);
  return exitCodes.failure;
}

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

function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown }) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
