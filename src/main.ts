import type { CliIo } from './admin/cli/index.ts';

// `start` reloads on SIGHUP, whose default action ends the process, and loading the CLI takes most of a
// second: so from the first line a hangup is held, and handed to the command once it listens.
const heldHangups = process.argv[2] === 'start' ? holdHangups() : undefined;

// Process entry: `node src/main.ts <command>`; with no command it runs the demo (`npm start`).
const { nodeCliIo, runCli } = await import('./admin/cli/index.ts');
const exitCode = await runCli(process.argv.slice(2), heldHangups?.handOver(nodeCliIo()) ?? nodeCliIo());
process.exitCode = exitCode;
// After a clean stop nothing should hold the loop open; if a leaked handle does, do not hang the shell.
// The timer is unref'd, so it never keeps a finished process alive by itself.
setTimeout(() => {
  process.stderr.write('bulwark: still running 5 s after stopping (a handle was left open); exiting\n');
  process.exit(exitCode);
}, 5_000).unref();

function holdHangups(): { handOver(io: CliIo): CliIo } {
  let isHeld = false;
  const hold = (): void => void (isHeld = true);
  process.on('SIGHUP', hold);
  return {
    handOver: (io) => ({
      ...io,
      onHangup(onHangup) {
        const stopListening = io.onHangup?.(onHangup) ?? (() => undefined);
        process.off('SIGHUP', hold);
        if (isHeld) onHangup();
        return stopListening;
      },
    }),
  };
}
