import { runWorker } from './worker.ts';

const worker = runWorker(
  {
    send: (message, done) => void process.send?.(message, undefined, undefined, () => done?.()),
    onMessage: (handler) => void process.on('message', handler),
  },
  (code) => process.exit(code),
);

// Entry of a forked gateway worker (cluster.setupPrimary exec). The primary coordinates signals: a
// terminal's Ctrl-C or a SIGHUP reaches the whole process group, and must not kill a worker directly.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
// A SIGTERM aimed at the worker (a supervisor stopping the process group) drains it as the primary would.
process.on('SIGTERM', () => void worker.drain());
