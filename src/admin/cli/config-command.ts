import type { ConfigStatus } from '../../runtime/reloader.ts';
import { adminOption, callAdmin, reportRefusal, runAdminVerb, type AdminCall } from './admin-client.ts';
import { table } from './check-command.ts';
import { exitCodes, type CliIo, type Command, type OptionValues } from './command.ts';
import { configOption } from './validate-command.ts';
import { jsonOption, noArguments, refuseOtherOptions } from './verb-options.ts';

/**
 * `bulwark config status`: which config a running Bulwark serves and whether the last reload took. Exit 1
 * when it did not: the file on disk is then not what runs, which a script checking a deploy must hear.
 */
export const configCommand: Command = {
  name: 'config',
  summary: 'Show the live config of a running Bulwark and whether its last reload took (exit 1 if not)',
  usage: 'bulwark config status [--json] [-c FILE | --admin URL]',
  takesArguments: true,
  options: [configOption, adminOption, jsonOption],
  run: runAdminVerb('config', ['status'], '/api/v1/config/status', plan),
};

function plan(_verb: 'status', values: OptionValues, args: readonly string[]): AdminCall {
  refuseOtherOptions(values, 'config status', ['json']);
  noArguments('config status', args);
  return (io, url) => show(io, url, values.json === true);
}

async function show(io: CliIo, url: string, asJson: boolean): Promise<number> {
  const response = await callAdmin(io, url);
  if (response.status !== 200) return reportRefusal(io, 'cannot read the config status', response);
  const status = response.body as ConfigStatus;
  const last = status.lastReload;
  if (asJson) io.out(`${JSON.stringify(status, null, 2)}\n`);
  else {
    const reload = last === undefined ? 'none' : last.ok ? `ok at ${last.at}` : `FAILED at ${last.at}`;
    const rows = [
      ['file', status.file ?? '(none)'],
      ['generation', String(status.generation)],
      ['live since', status.loadedAt],
      ['last reload', reload],
    ];
    // A key/value list: the header row of `table` is dropped.
    io.out(table(['', ''], rows).split('\n').slice(1).join('\n'));
    // A config error lists every problem, a line each, with its file:line:column.
    if (last?.ok === false && last.error !== undefined) io.out(`\n${last.error}\n`);
  }
  return last?.ok === false ? exitCodes.failure : exitCodes.ok;
}
