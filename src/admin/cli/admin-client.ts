import { ConfigError, loadAdminAddress } from '../../config/index.ts';
import { BulwarkError } from '../../core/errors.ts';
import { table } from './check-command.ts';
import {
  exitCodes,
  stringOption,
  type CliIo,
  type Command,
  type CommandOption,
  type OptionValues,
} from './command.ts';
import { defaultConfigFile } from './validate-command.ts';

export const adminOption: CommandOption = {
  name: 'admin',
  type: 'string',
  valueName: 'URL',
  description: 'Admin listener to ask, http://HOST:PORT or HOST:PORT (default: listen.admin of the config)',
};

/** `--admin URL` (or HOST:PORT, as listen addresses are written), or listen.admin of the config file. */
export async function adminUrlOf(values: OptionValues, io: CliIo): Promise<string> {
  const explicit = stringOption(values, 'admin');
  if (explicit) return adminUrlFrom(explicit);
  const configFile = stringOption(values, 'config');
  // Only listen.admin is read: a variable the server's environment sets elsewhere in the file is not needed.
  const address = await loadAdminAddress(configFile ?? defaultConfigFile, { env: io.env }).catch(
    (error: unknown) => {
      if (configFile !== undefined || !(error instanceof ConfigError) || error.code !== 'CFG_NOT_FOUND')
        throw error;
      const message = `no --admin URL, and no ${defaultConfigFile} here to read listen.admin from; pass --admin URL (e.g. http://127.0.0.1:8082) or -c FILE`;
      throw new BulwarkError('CLI_USAGE', message, { cause: error });
    },
  );
  const { host, port } = address;
  if (port === 0)
    throw new BulwarkError('CLI_USAGE', 'the config binds the admin listener to port 0; pass --admin URL');
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function adminUrlFrom(text: string): string {
  const withScheme = text.includes('://') ? text : `http://${text}`;
  let url: URL | undefined;
  try {
    url = new URL(withScheme);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw new BulwarkError(
      'CLI_USAGE',
      `--admin expects http://HOST:PORT or HOST:PORT (e.g. 127.0.0.1:8082), got "${text}"`,
    );
  return withScheme.replace(/\/+$/, '');
}

/**
 * One admin API call. Writes carry the token from BULWARK_ADMIN_TOKEN (an environment variable, not an
 * option: a token on the command line would show in `ps` and shell history).
 */
export async function callAdmin(
  io: CliIo,
  url: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch (error) {
    throw new BulwarkError('CLI_USAGE', `--admin expects a URL such as http://127.0.0.1:8082`, {
      cause: error,
    });
  }
  // A token read from a file keeps its line end: the ends are trimmed, as fetch itself would.
  const token = (io.env?.BULWARK_ADMIN_TOKEN ?? process.env.BULWARK_ADMIN_TOKEN)?.trim();
  // fetch would refuse it with the header, token included, in its message, and that ends up in CI logs.
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for
  if (token !== undefined && /[\u0000-\u001f\u007f]/.test(token))
    throw new BulwarkError('CLI_USAGE', 'BULWARK_ADMIN_TOKEN holds a control character (a line break?)');
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch (error) {
    // A Bulwark that cannot be reached is a runtime failure (exit 1) that says where it looked.
    throw new Error(`cannot reach the admin API at ${origin}: ${reasonOf(error)}`, { cause: error });
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // Not JSON: keep the text for the error message.
  }
  return { status: res.status, body };
}

/** Prints why the API said no; exit 1. A 401 hints at the token, which is never printed. */
export function reportRefusal(io: CliIo, what: string, response: { status: number; body: unknown }): number {
  io.err(`bulwark: ${what}: ${errorMessageOf(response)}${hintFor(response)}\n`);
  return exitCodes.failure;
}

function hintFor(response: { status: number; body: unknown }): string {
  if (response.status === 401) return '; set BULWARK_ADMIN_TOKEN to one of admin.tokens';
  // The gateway and the status page answer 404 too, with other codes (or none): the URL is the likely mistake.
  const code = (response.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  const isAdminAnswer = typeof code === 'string' && code.startsWith('ADMIN_');
  if (response.status === 404 && !isAdminAnswer)
    return '; is --admin the admin listener (listen.admin, default http://127.0.0.1:8082)?';
  return '';
}

/** The admin API's error message, or the status when there is none. */
export function errorMessageOf(response: { status: number; body: unknown }): string {
  const body = response.body as { error?: { message?: string; field?: string } } | undefined;
  const message = body?.error?.message;
  return message
    ? `${message}${body.error?.field ? ` (field: ${body.error.field})` : ''}`
    : `HTTP ${response.status}`;
}

function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown }) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** A verb's work once its usage is checked: calls against the collection's URL. */
export type AdminCall = (io: CliIo, base: string) => Promise<number>;

/**
 * `run` for `bulwark NOUN VERB …` over one admin collection (`/api/v1/incidents`): the verb is checked and
 * planned first, so every usage problem is reported before the config is read or the network is touched.
 * `defaultVerb` is what a bare `bulwark NOUN` means (`bulwark alerts` lists them).
 */
export function runAdminVerb<V extends string>(
  noun: string,
  verbs: readonly V[],
  path: string,
  plan: (verb: V, values: OptionValues, args: readonly string[]) => AdminCall,
  defaultVerb?: V,
): Command['run'] {
  return async (values, io, args) => {
    const [word, ...rest] = args;
    const verb = word === undefined ? defaultVerb : verbs.find((v) => v === word);
    if (verb === undefined) throw new BulwarkError('CLI_USAGE', `${noun}: expected ${verbs.join(', ')}`);
    const call = plan(verb, values, rest);
    return call(io, `${await adminUrlOf(values, io)}${path}`);
  };
}

/**
 * Lists a collection: the API's JSON with `--json`, "no maintenances" when it is empty, else a table with
 * one row per item. `key` is the collection's field in the answer (`scheduled_maintenances`); `items`
 * replaces it when rows are not the answer's items as they are (an endpoint per row, pools around them).
 */
export async function listFromAdmin<T>(
  io: CliIo,
  url: string,
  list: {
    readonly asJson: boolean;
    readonly noun: string;
    readonly key: string;
    readonly items?: (body: unknown) => readonly T[];
    readonly headers: readonly string[];
    readonly row: (item: T) => string[];
  },
): Promise<number> {
  const response = await callAdmin(io, url);
  if (response.status !== 200) return reportRefusal(io, `cannot list ${list.noun}`, response);
  if (list.asJson) {
    io.out(`${JSON.stringify(response.body, null, 2)}\n`);
    return exitCodes.ok;
  }
  const items =
    list.items?.(response.body) ?? (response.body as Record<string, T[] | undefined>)[list.key] ?? [];
  io.out(items.length === 0 ? `no ${list.noun}\n` : table(list.headers, items.map(list.row)));
  return exitCodes.ok;
}
