import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { closestMatch, ConfigError } from '../../config/index.ts';
import { BulwarkError } from '../../core/errors.ts';
import { exitCodes, type CliIo, type Command, type OptionValues } from './command.ts';
import { alertsCommand } from './alerts-command.ts';
import { checkCommand } from './check-command.ts';
import { componentCommand } from './component-command.ts';
import { configCommand } from './config-command.ts';
import { demoCommand } from './demo-command.ts';
import { endpointCommand } from './endpoint-command.ts';
import { monitorsCommand } from './monitors-command.ts';
import { notifyCommand } from './notify-command.ts';
import { poolsCommand } from './pools-command.ts';
import { silenceCommand } from './silence-command.ts';
import { helpOption, renderCommandHelp, renderHelp } from './help.ts';
import { incidentCommand } from './incident-command.ts';
import { maintenanceCommand } from './maintenance-command.ts';
import { subscriberCommand } from './subscriber-command.ts';
import { startCommand } from './start-command.ts';
import { statusCommand } from './status-command.ts';
import { terminalSafe } from './terminal-text.ts';
import { validateCommand } from './validate-command.ts';
import { bulwarkVersion } from './version.ts';

/** Every CLI verb; adding one is a file and a line here. */
const commands: readonly Command[] = [
  startCommand,
  validateCommand,
  checkCommand,
  poolsCommand,
  endpointCommand,
  monitorsCommand,
  alertsCommand,
  silenceCommand,
  notifyCommand,
  incidentCommand,
  maintenanceCommand,
  componentCommand,
  subscriberCommand,
  statusCommand,
  configCommand,
  demoCommand,
];

// `npm start` passes no arguments and should show something running, so the demo is the default.
const defaultCommand = demoCommand;

/** Runs the CLI and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const safe = terminalSafeIo(io);
  try {
    return await dispatch(argv, safe);
  } catch (error) {
    return reportFailure(error, safe);
  }
}

/** Every line the CLI prints passes terminalSafe: names and messages from the API can carry escapes. */
function terminalSafeIo(io: CliIo): CliIo {
  return {
    out: (text) => io.out(terminalSafe(text)),
    err: (text) => io.err(terminalSafe(text)),
    waitForStop: () => io.waitForStop(),
    ...(io.onHangup ? { onHangup: io.onHangup.bind(io) } : {}),
    env: io.env,
  };
}

function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '-h' || first === '--help') return print(io, renderHelp(commands, defaultCommand.name));
  if (first === '-V' || first === '--version') return print(io, `${bulwarkVersion}\n`);
  if (first === 'help')
    return print(
      io,
      rest[0] ? renderCommandHelp(findCommand(rest[0])) : renderHelp(commands, defaultCommand.name),
    );
  // Options without a command belong to the default command: `npm start -- --port 9000`.
  if (first === undefined || first.startsWith('-')) return runCommand(defaultCommand, argv, io);
  return runCommand(findCommand(first), rest, io);
}

async function runCommand(command: Command, args: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseCommandArgs(command, args);
    if (values.help === true) return await print(io, renderCommandHelp(command));
    return await command.run(values, io, positionals);
  } catch (error) {
    // A usage mistake inside a command is answered by that command's help, not the list of all commands.
    return reportFailure(error, io, `bulwark ${command.name} --help`);
  }
}

function findCommand(name: string): Command {
  const command = commands.find((c) => c.name === name);
  if (command) return command;
  const suggestion = closestMatch(
    name,
    commands.map((c) => c.name),
  );
  const hint = suggestion
    ? `did you mean "${suggestion}"?`
    : `commands are: ${commands.map((c) => c.name).join(', ')}`;
  throw new BulwarkError('CLI_USAGE', `unknown command "${name}"; ${hint}`);
}

function parseCommandArgs(
  command: Command,
  args: readonly string[],
): { values: OptionValues; positionals: string[] } {
  const options: ParseArgsOptionsConfig = {};
  for (const option of [...command.options, helpOption])
    options[option.name] = {
      type: option.type,
      ...(option.short ? { short: option.short } : {}),
      ...(option.multiple ? { multiple: true } : {}),
    };
  try {
    const parsed = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: command.takesArguments === true,
    });
    return { values: parsed.values as OptionValues, positionals: parsed.positionals };
  } catch (error) {
    // Node's messages run on with advice about `--`; the first sentence is the useful part.
    const reason = error instanceof Error ? (error.message.split('. ')[0] ?? error.message) : String(error);
    throw new BulwarkError('CLI_USAGE', `${command.name}: ${reason}`, { cause: error });
  }
}

function reportFailure(error: unknown, io: CliIo, helpCommand = 'bulwark --help'): number {
  if (error instanceof ConfigError) {
    io.err(`${error.message}\n`);
    if (error.code === 'CFG_NOT_FOUND') io.err('Choose a config with -c FILE; examples/ holds samples.\n');
    return exitCodes.usage;
  }
  if (error instanceof BulwarkError && error.code === 'CLI_USAGE') {
    io.err(`bulwark: ${error.message}\nRun "${helpCommand}" for usage.\n`);
    return exitCodes.usage;
  }
  io.err(`bulwark: ${error instanceof Error ? error.message : String(error)}\n`);
  return exitCodes.failure;
}

function print(io: CliIo, text: string): Promise<number> {
  io.out(text);
  return Promise.resolve(exitCodes.ok);
}
