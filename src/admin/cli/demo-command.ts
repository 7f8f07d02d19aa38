import { BulwarkError } from '../../core/errors.ts';
import { exitCodes, stringOption, type Command, type OptionValues } from './command.ts';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run a self-contained demo: the gateway in front of simulated upstreams',
  usage: 'bulwark demo [--port N] [--status-port N] [--admin-port N]',
  options: [
    {
      name: 'port',
      type: 'string',
      valueName: 'N',
      description:
        'Gateway port (default: 8080; 0 picks a free one, and leaves out the chat monitor, which needs it in advance)',
    },
    {
      name: 'status-port',
      type: 'string',
      valueName: 'N',
      description: 'Status page port (default: 8081, or a free one with --port 0)',
    },
    { name: 'admin-port', type: 'string', valueName: 'N', description: 'Admin port (default: 8082)' },
  ],
  async run(values, io) {
    const gatewayPort = portOption(values, 'port');
    const statusPort = portOption(values, 'status-port');
    const adminPort = portOption(values, 'admin-port');
    // Loaded on demand, like the app graph in `start`: help and validate stay fast.
    const { runDemo } = await import('../../demo/run-demo.ts');
    const demo = await runDemo({ gatewayPort, statusPort, adminPort, printGuide: true });
    const signal = await io.waitForStop();
    io.err(`bulwark: ${signal}, stopping the demo\n`);
    await demo.stop();
    return exitCodes.ok;
  },
};

function portOption(values: OptionValues, name: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port <= 65_535))
    throw new BulwarkError('CLI_USAGE', `--${name} expects a number from 0 to 65535, got "${text}"`);
  return port;
}
