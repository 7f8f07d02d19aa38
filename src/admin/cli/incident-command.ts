import { BulwarkError } from '../../core/errors.ts';
import type { V2Incident } from '../../status/api/index.ts';
import { componentStatuses, impacts, incidentStatuses } from '../../status/model.ts';
import {
  adminOption,
  callAdmin,
  listFromAdmin,
  reportRefusal,
  runAdminVerb,
  type AdminCall,
} from './admin-client.ts';
import { choiceOption, jsonOption, noArguments, oneId, refuseOtherOptions } from './verb-options.ts';
import {
  exitCodes,
  stringOption,
  stringsOption,
  type CliIo,
  type Command,
  type OptionValues,
} from './command.ts';
import { configOption } from './validate-command.ts';

type AdminIncident = V2Incident & { readonly draft: boolean };

const verbs = ['open', 'update', 'resolve', 'publish', 'list'] as const;
type Verb = (typeof verbs)[number];

/** An incident opens in one of the working states; resolve has its own verb. */
const openStatuses = ['investigating', 'identified', 'monitoring'] as const;
const defaultResolveBody = 'This incident has been resolved.';

/**
 * `bulwark incident open | update | resolve | publish | list`: the status page's incidents on a running
 * Bulwark, through its admin API (BULWARK_ADMIN_TOKEN).
 */
export const incidentCommand: Command = {
  name: 'incident',
  summary: 'Open, update, resolve, publish or list status page incidents on a running Bulwark',
  usage: [
    'bulwark incident open --name NAME [--status investigating|identified|monitoring] [--body TEXT]',
    '                             [--component ID=STATUS ...] [--impact none|minor|major|critical]',
    '                             [--next-update 30m]',
    '       bulwark incident update ID [--status STATUS] [--body TEXT] [--component ID=STATUS ...]',
    '                             [--impact IMPACT] [--name NAME] [--next-update 30m]',
    '       bulwark incident resolve ID [--body TEXT]',
    '       bulwark incident publish ID',
    '       bulwark incident list [--json]',
    '       (each with [-c FILE | --admin URL]; BULWARK_ADMIN_TOKEN holds the admin token)',
  ].join('\n'),
  takesArguments: true,
  options: [
    configOption,
    adminOption,
    { name: 'name', type: 'string', valueName: 'NAME', description: 'The incident title (open; update)' },
    {
      name: 'status',
      type: 'string',
      valueName: 'STATUS',
      description: 'investigating (default), identified, monitoring; update also: resolved, postmortem',
    },
    {
      name: 'body',
      type: 'string',
      valueName: 'TEXT',
      description: 'The update text posted to the timeline',
    },
    {
      name: 'component',
      type: 'string',
      valueName: 'ID=STATUS',
      multiple: true,
      description: 'An affected component and its new status, e.g. api=major_outage; repeatable',
    },
    {
      name: 'impact',
      type: 'string',
      valueName: 'IMPACT',
      description: `${impacts.join(', ')} (default: from the component statuses)`,
    },
    {
      name: 'next-update',
      type: 'string',
      valueName: 'WHEN',
      description: 'When the next update is promised: a duration (30m) or an ISO time',
    },
    jsonOption,
  ],
  run: runAdminVerb('incident', verbs, '/api/v1/incidents', plan),
};

function plan(verb: Verb, values: OptionValues, args: readonly string[]): AdminCall {
  const context = `incident ${verb}`;
  switch (verb) {
    case 'open': {
      refuseOtherOptions(values, context, ['name', 'status', 'body', 'component', 'impact', 'next-update']);
      noArguments(context, args);
      const name = stringOption(values, 'name');
      if (!name?.trim()) throw new BulwarkError('CLI_USAGE', `${context}: --name is required`);
      const status = choiceOption(values, 'status', openStatuses, context);
      const incident = { ...changesOf(values, context), name, status };
      return (io, base) => write(io, base, 'POST', { incident }, verb);
    }
    case 'update': {
      refuseOtherOptions(values, context, ['name', 'status', 'body', 'component', 'impact', 'next-update']);
      const id = oneId(context, args);
      const incident = {
        ...changesOf(values, context),
        name: stringOption(values, 'name'),
        status: choiceOption(values, 'status', incidentStatuses, context),
      };
      if (Object.values(incident).every((v) => v === undefined))
        throw new BulwarkError(
          'CLI_USAGE',
          `${context}: nothing to change; give --status, --body, --component, --impact, --name or --next-update`,
        );
      return (io, base) => write(io, `${base}/${encodeURIComponent(id)}`, 'PATCH', { incident }, verb);
    }
    case 'resolve': {
      refuseOtherOptions(values, context, ['body']);
      const id = oneId(context, args);
      const incident = { status: 'resolved', body: stringOption(values, 'body') ?? defaultResolveBody };
      return (io, base) => write(io, `${base}/${encodeURIComponent(id)}`, 'PATCH', { incident }, verb);
    }
    case 'publish': {
      refuseOtherOptions(values, context, []);
      const id = oneId(context, args);
      return (io, base) => publish(io, `${base}/${encodeURIComponent(id)}`);
    }
    case 'list': {
      refuseOtherOptions(values, context, ['json']);
      noArguments(context, args);
      return (io, base) => list(io, base, values.json === true);
    }
  }
}

/** The fields open and update share; undefined ones are left out of the JSON body. */
function changesOf(values: OptionValues, context: string) {
  const nextUpdate = stringOption(values, 'next-update');
  if (nextUpdate !== undefined && !isNextUpdate(nextUpdate))
    throw new BulwarkError(
      'CLI_USAGE',
      `${context}: --next-update expects a duration such as 30m or an ISO time with an offset, got "${nextUpdate}"`,
    );
  const components = componentStatusesOf(stringsOption(values, 'component'), context);
  return {
    body: stringOption(values, 'body'),
    impact_override: choiceOption(values, 'impact', impacts, context),
    components: Object.keys(components).length > 0 ? components : undefined,
    next_update_by: nextUpdate,
  };
}

/** `api=major_outage` pairs; a component named twice is a mistake, not "last one wins". */
export function componentStatusesOf(pairs: readonly string[], context: string): Record<string, string> {
  const statuses: Record<string, string> = {};
  for (const pair of pairs) {
    const [id = '', status = '', ...extra] = pair.split('=');
    if (!id || !status || extra.length > 0)
      throw new BulwarkError('CLI_USAGE', `${context}: --component expects ID=STATUS, got "${pair}"`);
    if (!(componentStatuses as readonly string[]).includes(status))
      throw new BulwarkError(
        'CLI_USAGE',
        `${context}: component status "${status}" is not one of ${componentStatuses.join(' | ')}`,
      );
    if (id in statuses) throw new BulwarkError('CLI_USAGE', `${context}: --component ${id} is given twice`);
    statuses[id] = status;
  }
  return statuses;
}

/** What the API accepts as next_update_by: a whole duration in ms, s, m or h, or an ISO time with offset. */
function isNextUpdate(text: string): boolean {
  if (/^\d+(ms|s|m|h)$/.test(text)) return true;
  return /(Z|[+-]\d\d:\d\d)$/i.test(text) && Number.isFinite(Date.parse(text));
}

const pastTense = { open: 'opened', update: 'updated', resolve: 'resolved', publish: 'published' } as const;

async function write(
  io: CliIo,
  url: string,
  method: string,
  body: unknown,
  verb: keyof typeof pastTense,
): Promise<number> {
  const response = await callAdmin(io, url, { method, body });
  if (response.status !== 200 && response.status !== 201)
    return reportRefusal(io, `cannot ${verb} the incident`, response);
  io.out(summaryLine(response.body as AdminIncident, pastTense[verb]));
  return exitCodes.ok;
}

/** The API answers a publish of a public incident with the incident as it is; say so rather than "published". */
async function publish(io: CliIo, url: string): Promise<number> {
  const current = await callAdmin(io, url);
  if (current.status !== 200) return reportRefusal(io, 'cannot publish the incident', current);
  const incident = current.body as AdminIncident;
  if (!incident.draft) {
    io.out(`incident ${incident.id} is already public\n`);
    return exitCodes.ok;
  }
  return write(io, `${url}/publish`, 'POST', undefined, 'publish');
}

function list(io: CliIo, base: string, asJson: boolean): Promise<number> {
  return listFromAdmin<AdminIncident>(io, base, {
    asJson,
    noun: 'incidents',
    key: 'incidents',
    headers: ['ID', 'STATUS', 'IMPACT', 'DRAFT', 'NAME', 'CREATED'],
    row: (i) => [i.id, i.status, i.impact, i.draft ? 'yes' : 'no', i.name, i.created_at],
  });
}

/** `incident ID opened: NAME (investigating, impact major, api=major_outage)`: the id is the second word. */
export function summaryLine(incident: AdminIncident, done: string): string {
  const facts = [
    incident.status,
    `impact ${incident.impact}`,
    ...(incident.draft ? ['draft'] : []),
    ...incident.components.map((c) => `${c.id}=${c.status}`),
  ];
  return `incident ${incident.id} ${done}: ${incident.name} (${facts.join(', ')})\n`;
}
