import { BulwarkError } from '../../core/errors.ts';
import { parseDurationMs } from '../../core/units.ts';
import type { V2Maintenance } from '../../status/api/index.ts';
import {
  adminOption,
  callAdmin,
  listFromAdmin,
  reportRefusal,
  runAdminVerb,
  type AdminCall,
} from './admin-client.ts';
import { jsonOption, noArguments, oneId, refuseOtherOptions } from './verb-options.ts';
import {
  exitCodes,
  stringOption,
  stringsOption,
  type CliIo,
  type Command,
  type OptionValues,
} from './command.ts';
import { configOption } from './validate-command.ts';

const verbs = ['schedule', 'list', 'cancel'] as const;
type Verb = (typeof verbs)[number];

/**
 * `bulwark maintenance schedule | list | cancel`: one-off maintenance windows of the status page on a running
 * Bulwark (recurring ones live in the config), through its admin API (BULWARK_ADMIN_TOKEN).
 */
export const maintenanceCommand: Command = {
  name: 'maintenance',
  summary: 'Schedule, list or cancel status page maintenance on a running Bulwark',
  usage: [
    'bulwark maintenance schedule --name NAME --start ISO (--end ISO | --duration 2h)',
    '                             [--component ID ...] [--drain POOL/ENDPOINT ...] [--body TEXT]',
    '       bulwark maintenance list [--json]',
    '       bulwark maintenance cancel ID',
    '       (each with [-c FILE | --admin URL]; BULWARK_ADMIN_TOKEN holds the admin token)',
  ].join('\n'),
  takesArguments: true,
  options: [
    configOption,
    adminOption,
    { name: 'name', type: 'string', valueName: 'NAME', description: 'The maintenance title (schedule)' },
    {
      name: 'start',
      type: 'string',
      valueName: 'ISO',
      description: 'When it starts, ISO 8601 with an offset: 2025-06-01T22:00:00+02:00 (schedule)',
    },
    { name: 'end', type: 'string', valueName: 'ISO', description: 'When it ends (or give --duration)' },
    { name: 'duration', type: 'string', valueName: 'DURATION', description: 'How long it lasts: 2h, 90m' },
    {
      name: 'component',
      type: 'string',
      valueName: 'ID',
      multiple: true,
      description: 'A component under maintenance; repeatable',
    },
    {
      name: 'drain',
      type: 'string',
      valueName: 'POOL/ENDPOINT',
      multiple: true,
      description: 'An endpoint drained for the window, such as api/10.0.0.5:8080; repeatable',
    },
    { name: 'body', type: 'string', valueName: 'TEXT', description: 'What is done and what users notice' },
    jsonOption,
  ],
  run: runAdminVerb('maintenance', verbs, '/api/v1/scheduled-maintenances', plan),
};

function plan(verb: Verb, values: OptionValues, args: readonly string[]): AdminCall {
  const context = `maintenance ${verb}`;
  switch (verb) {
    case 'schedule': {
      refuseOtherOptions(values, context, ['name', 'start', 'end', 'duration', 'component', 'drain', 'body']);
      noArguments(context, args);
      const body = { scheduled_maintenance: scheduleOf(values, context) };
      return (io, base) => schedule(io, base, body);
    }
    case 'list':
      refuseOtherOptions(values, context, ['json']);
      noArguments(context, args);
      return (io, base) => list(io, base, values.json === true);
    case 'cancel': {
      refuseOtherOptions(values, context, []);
      const id = oneId(context, args);
      return (io, base) => cancel(io, base, id);
    }
  }
}

/** The request body's fields; times are sent as UTC ISO strings, which the API reads as instants. */
function scheduleOf(values: OptionValues, context: string) {
  const name = stringOption(values, 'name');
  if (!name?.trim()) throw new BulwarkError('CLI_USAGE', `${context}: --name is required`);
  const startMs = instantOf(values, 'start', context);
  if (startMs === undefined) throw new BulwarkError('CLI_USAGE', `${context}: --start is required`);
  const endMs = endOf(values, startMs, context);
  const drain = stringsOption(values, 'drain');
  const badDrain = drain.find((d) => !/^[^/\s]+\/[^/\s]+$/.test(d));
  if (badDrain !== undefined)
    throw new BulwarkError(
      'CLI_USAGE',
      `${context}: --drain expects POOL/ENDPOINT such as api/127.0.0.1:9001, got "${badDrain}"`,
    );
  const componentIds = stringsOption(values, 'component');
  return {
    name,
    body: stringOption(values, 'body'),
    component_ids: componentIds.length > 0 ? componentIds : undefined,
    scheduled_for: new Date(startMs).toISOString(),
    scheduled_until: new Date(endMs).toISOString(),
    drain: drain.length > 0 ? drain : undefined,
  };
}

function endOf(values: OptionValues, startMs: number, context: string): number {
  const endMs = instantOf(values, 'end', context);
  const duration = stringOption(values, 'duration');
  if ((endMs === undefined) === (duration === undefined))
    throw new BulwarkError('CLI_USAGE', `${context}: give one of --end ISO or --duration 2h`);
  if (endMs !== undefined) {
    if (endMs <= startMs) throw new BulwarkError('CLI_USAGE', `${context}: --end must be after --start`);
    return endMs;
  }
  const durationMs = parseDurationMs(duration ?? '');
  if (durationMs === undefined || durationMs <= 0)
    throw new BulwarkError('CLI_USAGE', `${context}: --duration expects a duration such as 2h or 90m`);
  return startMs + durationMs;
}

/** An explicit offset is required: "22:00" alone would mean the CLI's zone, not the page's. */
function instantOf(values: OptionValues, name: string, context: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const isIso = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(text);
  const ms = Date.parse(text);
  if (!isIso || !Number.isFinite(ms))
    throw new BulwarkError(
      'CLI_USAGE',
      `${context}: --${name} expects ISO 8601 with an offset, such as 2025-06-01T22:00:00+02:00, got "${text}"`,
    );
  return ms;
}

async function schedule(io: CliIo, base: string, body: unknown): Promise<number> {
  const response = await callAdmin(io, base, { method: 'POST', body });
  if (response.status !== 201) return reportRefusal(io, 'cannot schedule the maintenance', response);
  const m = response.body as V2Maintenance;
  const components = m.components.map((c) => c.id).join(', ');
  io.out(
    `maintenance ${m.id} ${m.status}: ${m.name} (${m.scheduled_for} to ${m.scheduled_until}` +
      `${components ? `, components ${components}` : ''})\n`,
  );
  return exitCodes.ok;
}

function list(io: CliIo, base: string, asJson: boolean): Promise<number> {
  return listFromAdmin<V2Maintenance>(io, base, {
    asJson,
    noun: 'maintenances',
    key: 'scheduled_maintenances',
    headers: ['ID', 'STATUS', 'START', 'END', 'NAME'],
    row: (m) => [m.id, m.status, m.scheduled_for, m.scheduled_until, m.name],
  });
}

async function cancel(io: CliIo, base: string, id: string): Promise<number> {
  const response = await callAdmin(io, `${base}/${encodeURIComponent(id)}`, { method: 'DELETE' });
  // 204: it had not started and is gone; 200: it was running and is now completed.
  if (response.status === 204) io.out(`maintenance ${id} cancelled\n`);
  else if (response.status === 200)
    io.out(`maintenance ${id} ended early (${(response.body as V2Maintenance).status})\n`);
  else return reportRefusal(io, `cannot cancel maintenance ${id}`, response);
  return exitCodes.ok;
}
