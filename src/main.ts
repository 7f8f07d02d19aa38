import { nodeCliIo, runCli } from './admin/cli/index.ts';

// Process entry: `node src/main.ts <command>`; with no command it runs the demo (`npm start`).
const exitCode = await runCli(process.argv.slice(2), nodeCliIo());
process.exitCode = exitCode;
// After a clean stop nothing should hold the loop open; if a leaked handle does, do not hang the shell.
// The timer is unref'd, so it never keeps a finished process alive by itself.
setTimeout(() => {
  process.stderr.write('bulwark: still running 5 s after stopping (a handle was left open); exiting\n');
  process.exit(exitCode);
}, 5_000).unref();
