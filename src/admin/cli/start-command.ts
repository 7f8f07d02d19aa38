import { loadConfigFile } from '../../config/index.ts';
import type { RunningBulwark } from '../../app.ts';
import { exitCodes, stringOption, type CliIo, type Command } from './command.ts';
import { configOption, defaultConfigFile } from './validate-command.ts';

export const startCommand: Command = {
  name: 'start',
  summary: 'Run the gateway and control plane from a config file',
  usage: 'bulwark start [-c FILE]',
  options: [configOption],
  async run(values, io) {
    const file = stringOption(values, 'config') ?? defaultConfigFile;
    const hangups = listenForHangups(io);
    // Listening for SIGTERM/SIGINT before anything starts: the start line below tells a supervisor (or a
    // test) it may signal, and the process could be preempted between printing it and adding a handler, so
    // a signal then met the default action and killed it undrained. One during start-up stops it once started.
    const stopSignal = io.waitForStop();
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
    hangups.started(running);
    const signal = await stopSignal;
    hangups.stopping();
    io.err(`bulwark: ${signal}, draining and stopping\n`);
    await running.stop();
    return exitCodes.ok;
  },
};

/**
 * SIGHUP reloads, and its default action ends the process: so a listener is there from before the config is
 * read until the process exits, never removed. One asked for during start-up may follow a change the start
 * did not read (the file watcher is not running yet either): it runs once started. During the stop it is
 * skipped, as queued reloads are.
 */
function listenForHangups(io: CliIo): { started(running: RunningBulwark): void; stopping(): void } {
  let running: RunningBulwark | undefined;
  let isStopping = false;
  let isAskedWhileStarting = false;
  const reload = (target: RunningBulwark): void => {
    io.err('bulwark: SIGHUP, reloading the config\n');
    void target.reload();
  };
  io.onHangup?.(() => {
    if (isStopping) return io.err('bulwark: SIGHUP during the stop; reload skipped\n');
    if (running) return reload(running);
    if (!isAskedWhileStarting) io.err('bulwark: SIGHUP during start-up; reloading once started\n');
    isAskedWhileStarting = true;
  });
  return {
    started(target) {
      running = target;
      if (isAskedWhileStarting) reload(target);
    },
    stopping() {
      isStopping = true;
    },
  };
}
