import { BulwarkError } from '../../core/errors.ts';
import type { V2Component } from '../../status/api/index.ts';
import { componentStatuses } from '../../status/model.ts';
import { adminOption, callAdmin, reportRefusal, runAdminVerb, type AdminCall } from './admin-client.ts';
import { exitCodes, type CliIo, type Command, type OptionValues } from './command.ts';
import { configOption } from './validate-command.ts';
import { oneId, refuseOtherOptions } from './verb-options.ts';

const verbs = ['set', 'clear'] as const;
type Verb = (typeof verbs)[number];

/**
 * `bulwark component set ID STATUS` overrides what a status page component's monitors and pools say;
 * `component clear ID` hands it back to them. An incident that sets statuses is the usual way; this is for a
 * component no incident covers (BULWARK_ADMIN_TOKEN).
 */
export const componentCommand: Command = {
  name: 'component',
  summary: "Set a status page component's status by hand on a running Bulwark, or hand it back",
  usage: [
    `bulwark component set ID ${componentStatuses.join('|')}`,
    '       bulwark component clear ID   (back to what its monitors and pools say)',
    '       (each with [-c FILE | --admin URL]; BULWARK_ADMIN_TOKEN holds the admin token)',
  ].join('\n'),
  takesArguments: true,
  options: [configOption, adminOption],
  run: runAdminVerb('component', verbs, '/api/v1/components', plan),
};

function plan(verb: Verb, values: OptionValues, args: readonly string[]): AdminCall {
  const context = `component ${verb}`;
  refuseOtherOptions(values, context, []);
  if (verb === 'clear') {
    const id = oneId(context, args);
    return (io, base) => override(io, base, id, null);
  }
  const [id, status, ...extra] = args;
  if (id === undefined || status === undefined || extra.length > 0)
    throw new BulwarkError('CLI_USAGE', `${context}: give ID STATUS, such as api major_outage`);
  if (!(componentStatuses as readonly string[]).includes(status))
    throw new BulwarkError(
      'CLI_USAGE',
      `${context}: STATUS must be one of ${componentStatuses.join(' | ')}, got "${status}"`,
    );
  return (io, base) => override(io, base, id, status);
}

async function override(io: CliIo, base: string, id: string, status: string | null): Promise<number> {
  const url = `${base}/${encodeURIComponent(id)}`;
  const response = await callAdmin(io, url, { method: 'PATCH', body: { component: { status } } });
  const what = status === null ? `cannot hand component ${id} back` : `cannot set component ${id}`;
  if (response.status !== 200) return reportRefusal(io, what, response);
  const component = response.body as V2Component;
  const source = status === null ? ' (from its monitors and pools)' : ' (set by hand until cleared)';
  io.out(`component ${id}: ${component.status}${source}\n`);
  return exitCodes.ok;
}
