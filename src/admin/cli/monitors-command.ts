import { formatUptimePercent } from '../../core/units.ts';
import { adminOption, adminUrlOf, callAdmin, reportRefusal } from './admin-client.ts';
import { table } from './check-command.ts';
import { exitCodes, type Command } from './command.ts';
import { configOption } from './validate-command.ts';

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

/** The monitors of a running Bulwark as a table, read from its admin API. */
export const monitorsCommand: Command = {
  name: 'monitors',
  summary: 'Show the monitors of a running Bulwark: state, since when, uptime, latency',
  usage: 'bulwark monitors [-c FILE | --admin URL]',
  options: [configOption, adminOption],
  async run(values, io) {
    const response = await callAdmin(io, `${await adminUrlOf(values, io)}/api/v1/monitors`);
    if (response.status !== 200) return reportRefusal(io, 'cannot read monitors', response);
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
  },
};
