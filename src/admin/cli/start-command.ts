import { loadConfigFile } from '../../config/index.ts';
import { exitCodes, stringOption, type Command } from './command.ts';
import { configOption, defaultConfigFile } from './validate-command.ts';

export const startCommand: Command = {
  name: 'start',
  summary: 'Run the gateway and control plane from a config file',
  usage: 'bulwark start [-c FILE]',
  options: [configOption],
  async run(values, io) {
    const file = stringOption(values, 'config') ?? defaultConfigFile;
    const config = await loadConfigFile(file, { env: io.env });
    // Loaded on demand: the app graph is most of the CLI's start-up time, and validate/help do not need it.
    const { startBulwark } = await import('../../app.ts');
    const { resolveWorkerCount, startBulwarkCluster } = await import('../../runtime/cluster/index.ts');
    const workers = resolveWorkerCount(config.gateway.workers);
    // More than one worker: this process keeps the control plane, forked workers serve the gateway port.
    const running =
      workers > 1
        ? await startBulwarkCluster(config, { configPath: file, workers, notify: (line) => io.err(line) })
        : await startBulwark(config, { configPath: file });
    // stderr: stdout carries the JSON log lines, which stay machine-readable.
    // With port 0 in the config this line is the only place the bound addresses show.
    const tls = running.gatewayTlsUrl === undefined ? '' : `, gateway_tls ${running.gatewayTlsUrl}`;
    const status = running.statusUrl === undefined ? '' : `, status page ${running.statusUrl}`;
    io.err(
      `bulwark: gateway ${running.gatewayUrl}, admin ${running.adminUrl}${tls}${status} (config ${file}); Ctrl-C stops\n`,
    );
    const stopHangup = io.onHangup?.(() => {
      io.err('bulwark: SIGHUP, reloading the config\n');
      void running.reload();
    });
    const signal = await io.waitForStop();
    stopHangup?.();
    io.err(`bulwark: ${signal}, draining and stopping\n`);
    await running.stop();
    return exitCodes.ok;
  },
};
