import { BulwarkError } from '../../core/errors.ts';
import type { SilenceView } from '../../services/index.ts';
import { adminOption, adminUrlOf, callAdmin, reportRefusal } from './admin-client.ts';
import { table } from './check-command.ts';
import { exitCodes, stringOption, type CliIo, type Command, type OptionValues } from './command.ts';
import { configOption } from './validate-command.ts';

/**
 * `bulwark silence add MATCHER… --duration 2h --comment TEXT`, `silence list`, `silence expire ID`: the
 * silence verbs of a running Bulwark, through its admin API (writes need BULWARK_ADMIN_TOKEN).
 */
export const silenceCommand: Command = {
  name: 'silence',
  summary: 'Add, list or expire alert silences on a running Bulwark',
  usage:
    'bulwark silence add MATCHER... --duration 2h --comment TEXT [--author NAME] | list | expire ID  [-c FILE | --admin URL]',
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
  ],
  async run(values, io, args) {
    const [verb, ...rest] = args;
    if (verb !== 'add' && verb !== 'list' && verb !== 'expire')
      throw new BulwarkError('CLI_USAGE', 'silence: expected add, list or expire');
    const base = `${await adminUrlOf(values, io)}/api/v1/silences`;
    switch (verb) {
      case 'add':
        return add(values, io, rest, base);
      case 'list':
        return list(io, base);
      case 'expire':
        return expire(io, rest, base);
    }
  },
};

async function add(
  values: OptionValues,
  io: CliIo,
  matchers: readonly string[],
  base: string,
): Promise<number> {
  if (matchers.length === 0)
    throw new BulwarkError('CLI_USAGE', 'silence add: give at least one MATCHER, e.g. monitor=api');
  const duration = stringOption(values, 'duration');
  const comment = stringOption(values, 'comment');
  if (!duration || !comment)
    throw new BulwarkError('CLI_USAGE', 'silence add: --duration and --comment are required');
  const author = stringOption(values, 'author') ?? io.env?.USER ?? process.env.USER ?? 'cli';
  const response = await callAdmin(io, base, {
    method: 'POST',
    body: { matchers, duration, comment, createdBy: author },
  });
  if (response.status !== 201) return reportRefusal(io, 'cannot add the silence', response);
  const silence = response.body as SilenceView;
  io.out(`silence ${silence.id} ${silence.status} until ${silence.endsAt}\n`);
  return exitCodes.ok;
}

async function list(io: CliIo, base: string): Promise<number> {
  const response = await callAdmin(io, base);
  if (response.status !== 200) return reportRefusal(io, 'cannot list silences', response);
  const { silences } = response.body as { silences: SilenceView[] };
  if (silences.length === 0) {
    io.out('no silences\n');
    return exitCodes.ok;
  }
  const rows = silences.map((s) => [
    s.id,
    s.status,
    s.matchersText.join(' '),
    s.endsAt,
    s.createdBy,
    s.comment,
  ]);
  io.out(table(['ID', 'STATUS', 'MATCHERS', 'ENDS', 'BY', 'COMMENT'], rows));
  return exitCodes.ok;
}

async function expire(io: CliIo, ids: readonly string[], base: string): Promise<number> {
  const [id] = ids;
  if (!id || ids.length > 1) throw new BulwarkError('CLI_USAGE', 'silence expire: give one silence ID');
  const response = await callAdmin(io, `${base}/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (response.status !== 200) return reportRefusal(io, `cannot expire silence ${id}`, response);
  io.out(`silence ${id} expired\n`);
  return exitCodes.ok;
}
