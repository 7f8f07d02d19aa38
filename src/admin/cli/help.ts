import type { Command, CommandOption } from './command.ts';

/** Help options every command accepts; parsed by the dispatcher, listed in each command's help. */
export const helpOption: CommandOption = {
  name: 'help',
  short: 'h',
  type: 'boolean',
  description: 'Show this help',
};

export function renderHelp(commands: readonly Command[], defaultCommand: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 3;
  const lines = commands.map(
    (c) => `  ${c.name.padEnd(width)}${c.summary}${c.name === defaultCommand ? ' (default)' : ''}`,
  );
  return [
    'Usage: bulwark <command> [options]',
    '',
    'Service reliability in one program: a resilient gateway, monitoring and a status page.',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help      Show help; bulwark <command> --help shows a command',
    '  -V, --version   Print the version',
    '',
    'Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config.',
    '',
  ].join('\n');
}

export function renderCommandHelp(command: Command): string {
  const options = [...command.options, helpOption];
  const flags = options.map((o) => {
    const value = o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}${o.multiple ? '...' : ''}` : '';
    return `${o.short ? `-${o.short}, ` : '    '}--${o.name}${value}`;
  });
  const width = Math.max(...flags.map((f) => f.length)) + 3;
  return [
    `Usage: ${command.usage}`,
    '',
    `${command.summary}.`,
    '',
    'Options:',
    ...options.map((o, i) => `  ${(flags[i] ?? '').padEnd(width)}${o.description}`),
    '',
  ].join('\n');
}
