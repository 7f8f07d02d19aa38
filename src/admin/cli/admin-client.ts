import { loadConfigFile } from '../../config/index.ts';
import { BulwarkError } from '../../core/errors.ts';
import { stringOption, type CliIo, type CommandOption, type OptionValues } from './command.ts';
import { defaultConfigFile } from './validate-command.ts';

export const adminOption: CommandOption = {
  name: 'admin',
  type: 'string',
  valueName: 'URL',
  description: 'Admin listener to ask (default: listen.admin of the config)',
};

/** `--admin URL`, or the admin listener of the config file (`-c`, default bulwark.yaml). */
export async function adminUrlOf(values: OptionValues, io: CliIo): Promise<string> {
  const explicit = stringOption(values, 'admin');
  if (explicit) return explicit.replace(/\/$/, '');
  const config = await loadConfigFile(stringOption(values, 'config') ?? defaultConfigFile, { env: io.env });
  const { host, port } = config.listen.admin;
  if (port === 0)
    throw new BulwarkError('CLI_USAGE', 'the config binds the admin listener to port 0; pass --admin URL');
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
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
  const token = io.env?.BULWARK_ADMIN_TOKEN ?? process.env.BULWARK_ADMIN_TOKEN;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // Not JSON: keep the text for the error message.
  }
  return { status: res.status, body };
}

/** The admin API's error message, or the status when there is none. */
export function errorMessageOf(response: { status: number; body: unknown }): string {
  const body = response.body as { error?: { message?: string; field?: string } } | undefined;
  const message = body?.error?.message;
  return message
    ? `${message}${body.error?.field ? ` (field: ${body.error.field})` : ''}`
    : `HTTP ${response.status}`;
}
