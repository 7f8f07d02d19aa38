import { loadConfigFile } from '../../config/index.ts';
import { exitCodes, stringOption, type Command } from './command.ts';

export const defaultConfigFile = 'bulwark.yaml';

export const configOption = {
  name: 'config',
  short: 'c',
  type: 'string',
  valueName: 'FILE',
  description: `Config file (default: ${defaultConfigFile})`,
} as const;

/** Loads a config exactly as `start` would, without starting anything; a ConfigError exits 2 via the dispatcher. */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check a config file and report every problem with its line and column',
  usage: 'bulwark validate [-c FILE]',
  options: [configOption],
  async run(values, io) {
    const file = stringOption(values, 'config') ?? defaultConfigFile;
    const config = await loadConfigFile(file, { env: io.env });
    const pools = Object.keys(config.pools).length;
    const routes = config.routes.length;
    io.out(`ok: ${file} (${plural(pools, 'pool')}, ${plural(routes, 'route')})\n`);
    return exitCodes.ok;
  },
};

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
