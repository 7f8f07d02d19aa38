import { z } from 'zod';
import { parseWith, readConfigText, type ParseOptions } from './load.ts';
import { defaultAdminAddress, hostPort } from './schema.ts';

/**
 * Only `listen.admin` of a config file: the CLI commands that talk to a running Bulwark need nothing else,
 * and must not fail on a `${HOOK_SECRET}` that only the server's environment sets.
 */
const adminOnly = z.looseObject({
  listen: z.looseObject({ admin: hostPort.prefault(defaultAdminAddress) }).prefault({}),
});

export async function loadAdminAddress(
  path: string,
  options: Omit<ParseOptions, 'file'> = {},
): Promise<{ readonly host: string; readonly port: number }> {
  const text = await readConfigText(path);
  const isRead = (at: readonly PropertyKey[]) => at[0] === 'listen' && (at.length < 2 || at[1] === 'admin');
  return parseWith(adminOnly, text, { ...options, file: path, isRead }).listen.admin;
}
