import { BulwarkError } from '../../core/errors.ts';
import type { SilenceView } from '../../services/index.ts';
import {
  adminOption,
  callAdmin,
  listFromAdmin,
  reportRefusal,
  runAdminVerb,
  type AdminCall,
} from './admin-client.ts';
import { exitCodes, stringOption, type CliIo, type Command, type OptionValues } from './command.ts';
import { configOption } from './validate-command.ts';
import { authorOf, jsonOption, noArguments, oneId, refuseOtherOptions } from './verb-options.ts';

const verbs = ['add', 'list', 'expire'] as const;
type Verb = (typeof verbs)[number];

/**
 * `bulwark silence add MATCHER… --duration 2h --comment TEXT`, `silence list`, `silence expire ID`: the
 * silence verbs of a running Bulwark, through its admin API (writes need BULWARK_ADMIN_TOKEN).
 */
export const silenceCommand: Command = {
  name: 'silence',
  summary: 'Add, list or expire alert silences on a running Bulwark',
  usage:
    'bulwark silence add MATCHER... --duration 2h --comment TEXT [--author NAME] | list [--json] | expire ID  [-c FILE | --admin URL]',
  takesArguments: true,
  options: [
    configOption,
    adminOption,
    {
      name: 'duration',
      type: 'string',
      valueName: 'DURATION',
      description: 'How long the silence lasts (add)',
    },
    { name: 'comment', type: 'string', valueName: 'TEXT', description: 'Why (add; required)' },
    { name: 'author', type: 'string', valueName: 'NAME', description: 'Who (add; default: $USER)' },
    jsonOption,
  ],
  run: runAdminVerb('silence', verbs, '/api/v1/silences', plan),
};

/** Usage is checked in full here, before the config is read or the admin API is asked. */
function plan(verb: Verb, values: OptionValues, args: readonly string[]): AdminCall {
  const context = `silence ${verb}`;
  switch (verb) {
    case 'add': {
      refuseOtherOptions(values, context, ['duration', 'comment', 'author']);
      if (args.length === 0)
        throw new BulwarkError('CLI_USAGE', `${context}: give at least one MATCHER, e.g. monitor=api`);
      const duration = stringOption(values, 'duration');
      const comment = stringOption(values, 'comment');
      if (!duration || !comment)
        throw new BulwarkError('CLI_USAGE', `${context}: --duration and --comment are required`);
      return (io, base) => {
        const author = authorOf(values, io);
        return add(io, base, { matchers: args, duration, comment, createdBy: author });
      };
    }
    case 'list':
      refuseOtherOptions(values, context, ['json']);
      noArguments(context, args);
      return (io, base) => list(io, base, values.json === true);
    case 'expire': {
      refuseOtherOptions(values, context, []);
      const id = oneId(context, args);
      return (io, base) => expire(io, base, id);
    }
  }
}

async function add(io: CliIo, base: string, body: unknown): Promise<number> {
  const response = await callAdmin(io, base, { method: 'POST', body });
  if (response.status !== 201) return reportRefusal(io, 'cannot add the silence', response);
  const silence = response.body as SilenceView;
  io.out(`silence ${silence.id} ${silence.status} until ${silence.endsAt}\n`);
  return exitCodes.ok;
}

function list(io: CliIo, base: string, asJson: boolean): Promise<number> {
  return listFromAdmin<SilenceView>(io, base, {
    asJson,
    noun: 'silences',
    key: 'silences',
    headers: ['ID', 'STATUS', 'MATCHERS', 'ENDS', 'BY', 'COMMENT'],
    row: (s) => [s.id, s.status, s.matchersText.join(' '), s.endsAt, s.createdBy, s.comment],
  });
}

async function expire(io: CliIo, base: string, id: string): Promise<number> {
  const response = await callAdmin(io, `${base}/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (response.status !== 200) return reportRefusal(io, `cannot expire silence ${id}`, response);
  io.out(`silence ${id} expired\n`);
  return exitCodes.ok;
}
