import { BulwarkError } from '../../core/errors.ts';
import {
  adminOption,
  callAdmin,
  listFromAdmin,
  reportRefusal,
  runAdminVerb,
  type AdminCall,
} from './admin-client.ts';
import {
  exitCodes,
  stringOption,
  stringsOption,
  type CliIo,
  type Command,
  type OptionValues,
} from './command.ts';
import { configOption } from './validate-command.ts';
import { jsonOption, noArguments, oneId, refuseOtherOptions } from './verb-options.ts';

const verbs = ['add', 'list', 'remove'] as const;
type Verb = (typeof verbs)[number];

/** A subscriber as the admin API answers (status/api/subscriber-object.ts). */
interface SubscriberView {
  readonly id: string;
  readonly mode: string;
  readonly email: string | null;
  readonly endpoint: string | null;
  readonly components: readonly string[] | null;
  readonly confirmed_at: string | null;
}

/**
 * `bulwark subscriber add | list | remove`: the status page's subscribers on a running Bulwark, through its
 * admin API (BULWARK_ADMIN_TOKEN). An operator adds them confirmed; visitors subscribe on the page.
 */
export const subscriberCommand: Command = {
  name: 'subscriber',
  summary: 'Add, list or remove status page subscribers on a running Bulwark',
  usage: [
    'bulwark subscriber add (--email ADDRESS | --webhook URL) [--component ID ...]',
    '       bulwark subscriber list [--json]',
    '       bulwark subscriber remove ID',
    '       (each with [-c FILE | --admin URL]; BULWARK_ADMIN_TOKEN holds the admin token)',
  ].join('\n'),
  takesArguments: true,
  options: [
    configOption,
    adminOption,
    { name: 'email', type: 'string', valueName: 'ADDRESS', description: 'An email subscriber (add)' },
    {
      name: 'webhook',
      type: 'string',
      valueName: 'URL',
      description: "A webhook subscriber: Statuspage's payloads are POSTed to it (add)",
    },
    {
      name: 'component',
      type: 'string',
      valueName: 'ID',
      multiple: true,
      description: 'Only changes touching this component; repeatable (default: the whole page)',
    },
    jsonOption,
  ],
  run: runAdminVerb('subscriber', verbs, '/api/v1/subscribers', plan),
};

function plan(verb: Verb, values: OptionValues, args: readonly string[]): AdminCall {
  const context = `subscriber ${verb}`;
  switch (verb) {
    case 'add': {
      refuseOtherOptions(values, context, ['email', 'webhook', 'component']);
      noArguments(context, args);
      const email = stringOption(values, 'email');
      const endpoint = stringOption(values, 'webhook');
      if ((email === undefined) === (endpoint === undefined))
        throw new BulwarkError('CLI_USAGE', `${context}: give one of --email ADDRESS or --webhook URL`);
      const componentIds = stringsOption(values, 'component');
      const body = {
        subscriber: {
          ...(email === undefined ? {} : { email }),
          ...(endpoint === undefined ? {} : { endpoint }),
          ...(componentIds.length === 0 ? {} : { component_ids: componentIds }),
        },
      };
      return (io, base) => add(io, base, body);
    }
    case 'list':
      refuseOtherOptions(values, context, ['json']);
      noArguments(context, args);
      return (io, base) => list(io, base, values.json === true);
    case 'remove': {
      refuseOtherOptions(values, context, []);
      const id = oneId(context, args);
      return (io, base) => remove(io, base, id);
    }
  }
}

const addressOf = (s: SubscriberView): string => s.email ?? s.endpoint ?? '';
const scopeOf = (s: SubscriberView): string => (s.components === null ? 'all' : s.components.join(', '));

async function add(io: CliIo, base: string, body: unknown): Promise<number> {
  const response = await callAdmin(io, base, { method: 'POST', body });
  if (response.status !== 201) return reportRefusal(io, 'cannot add the subscriber', response);
  const s = response.body as SubscriberView;
  io.out(`subscriber ${s.id} added: ${s.mode} ${addressOf(s)} (components: ${scopeOf(s)})\n`);
  return exitCodes.ok;
}

function list(io: CliIo, base: string, asJson: boolean): Promise<number> {
  return listFromAdmin<SubscriberView>(io, base, {
    asJson,
    noun: 'subscribers',
    key: 'subscribers',
    headers: ['ID', 'MODE', 'STATE', 'COMPONENTS', 'ADDRESS'],
    row: (s) => [s.id, s.mode, s.confirmed_at === null ? 'waiting' : 'confirmed', scopeOf(s), addressOf(s)],
  });
}

async function remove(io: CliIo, base: string, id: string): Promise<number> {
  const response = await callAdmin(io, `${base}/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (response.status !== 204) return reportRefusal(io, `cannot remove subscriber ${id}`, response);
  io.out(`subscriber ${id} removed\n`);
  return exitCodes.ok;
}
