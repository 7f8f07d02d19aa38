import { formatUptimePercent } from '../../core/units.ts';
import { adminOption, callAdmin, reportRefusal, runAdminVerb, type AdminCall } from './admin-client.ts';
import { table } from './check-command.ts';
import { exitCodes, type CliIo, type Command, type OptionValues } from './command.ts';
import { configOption } from './validate-command.ts';
import { jsonOption, noArguments, oneId, refuseOtherOptions } from './verb-options.ts';

interface MonitorRow {
  readonly id: string;
  readonly type: string;
  readonly state: string;
  readonly since: string;
  readonly flapping: boolean;
  readonly uptime: Readonly<Record<string, number | null>>;
  readonly latency_ms: { readonly p95: number | null };
  readonly last_result?: { readonly message: string } | undefined;
}

const verbs = ['list', 'pause', 'resume'] as const;
type Verb = (typeof verbs)[number];

/** The monitors of a running Bulwark as a table, read from its admin API; pause and resume one. */
export const monitorsCommand: Command = {
  name: 'monitors',
  summary: 'Show the monitors of a running Bulwark (state, since, uptime, latency), or pause or resume one',
  usage: [
    'bulwark monitors [list] [--json]',
    '       bulwark monitors pause|resume ID',
    '       (each with [-c FILE | --admin URL]; BULWARK_ADMIN_TOKEN holds the admin token)',
  ].join('\n'),
  takesArguments: true,
  options: [configOption, adminOption, jsonOption],
  run: runAdminVerb('monitors', verbs, '/api/v1/monitors', plan, 'list'),
};

function plan(verb: Verb, values: OptionValues, args: readonly string[]): AdminCall {
  const context = `monitors ${verb}`;
  if (verb === 'list') {
    refuseOtherOptions(values, context, ['json']);
    noArguments(context, args);
    return (io, base) => list(io, base, values.json === true);
  }
  refuseOtherOptions(values, context, []);
  const id = oneId(context, args);
  return (io, base) => control(io, `${base}/${encodeURIComponent(id)}/${verb}`, verb, id);
}

async function list(io: CliIo, url: string, asJson: boolean): Promise<number> {
  const response = await callAdmin(io, url);
  if (response.status !== 200) return reportRefusal(io, 'cannot read monitors', response);
  if (asJson) {
    io.out(`${JSON.stringify(response.body, null, 2)}\n`);
    return exitCodes.ok;
  }
  const body = response.body as { monitors: MonitorRow[] };
  if (body.monitors.length === 0) {
    io.out('no monitors\n');
    return exitCodes.ok;
  }
  const percent = (ratio: number | null | undefined): string =>
    ratio === null || ratio === undefined ? '-' : formatUptimePercent(ratio);
  const rows = body.monitors.map((m) => [
    m.id,
    m.type,
    m.flapping ? `${m.state} (flapping)` : m.state,
    m.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    percent(m.uptime['24h']),
    percent(m.uptime['30d']),
    m.latency_ms.p95 === null ? '-' : `${Math.round(m.latency_ms.p95)} ms`,
    m.last_result?.message ?? '',
  ]);
  io.out(table(['MONITOR', 'TYPE', 'STATE', 'SINCE', 'UP 24H', 'UP 30D', 'P95 24H', 'LAST'], rows));
  return exitCodes.ok;
}

async function control(io: CliIo, url: string, verb: 'pause' | 'resume', id: string): Promise<number> {
  const response = await callAdmin(io, url, { method: 'POST' });
  if (response.status !== 200) return reportRefusal(io, `cannot ${verb} monitor ${id}`, response);
  const monitor = response.body as MonitorRow;
  io.out(
    verb === 'pause'
      ? `monitor ${id} paused: no checks until "bulwark monitors resume ${id}"\n`
      : `monitor ${id} resumed (${monitor.state})\n`,
  );
  return exitCodes.ok;
}
