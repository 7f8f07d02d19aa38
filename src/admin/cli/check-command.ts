import { loadConfigFile } from '../../config/index.ts';
import { systemClock } from '../../core/clock.ts';
import { runCheck } from '../../monitor/checks/registry.ts';
import { Monitoring } from '../../monitor/monitoring.ts';
import { exitCodes, stringOption, type Command } from './command.ts';
import { oneLine } from './terminal-text.ts';
import { configOption, defaultConfigFile } from './validate-command.ts';

/**
 * Runs every monitor of a config once and prints a table; exit 1 if any is down, so it serves CI pipelines
 * and cron as well as a quick look. No state, no store, no thresholds: one cycle each (with its rechecks).
 */
export const checkCommand: Command = {
  name: 'check',
  summary: 'Run every monitor once and print a table; exit 1 if any is down',
  usage: 'bulwark check [-c FILE]',
  options: [configOption],
  async run(values, io) {
    const file = stringOption(values, 'config') ?? defaultConfigFile;
    const config = await loadConfigFile(file, { env: io.env });
    if (config.monitors.length === 0) {
      io.out(`${file} has no monitors\n`);
      return exitCodes.ok;
    }
    const outcomes = await Monitoring.checkOnce(config.monitors, { clock: systemClock, runCheck });
    const rows = outcomes.map((o) => [
      o.spec.id,
      o.spec.check.kind,
      o.verdict.toUpperCase(),
      o.spec.check.kind === 'heartbeat' ? '-' : `${Math.round(o.responseTimeMs)} ms`,
      o.message,
    ]);
    io.out(table(['MONITOR', 'TYPE', 'RESULT', 'TIME', 'DETAIL'], rows));
    const down = outcomes.filter((o) => o.verdict === 'down').length;
    io.out(`\n${outcomes.length - down} of ${outcomes.length} passed\n`);
    return down > 0 ? exitCodes.failure : exitCodes.ok;
  },
};

/** Left-aligned columns, two spaces apart; the last column is not padded. Each cell is kept to one line. */
export function table(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const rows = cells.map((row) => row.map(oneLine));
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
