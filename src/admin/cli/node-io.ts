import type { CliIo } from './command.ts';

/** The real process: stdout, stderr and termination signals. */
export function nodeCliIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    waitForStop,
    onHangup(onHangup) {
      process.on('SIGHUP', onHangup);
      return () => void process.off('SIGHUP', onHangup);
    },
  };
}

function waitForStop(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal while draining means "now": the operator has stopped waiting for a clean stop.
      const forceExit = (): void => {
        process.stderr.write('bulwark: second signal, exiting without finishing the stop\n');
        process.exit(1);
      };
      process.once('SIGINT', forceExit);
      process.once('SIGTERM', forceExit);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
