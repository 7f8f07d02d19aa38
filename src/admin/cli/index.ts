export { runCli } from './run-cli.ts';
export { nodeCliIo } from './node-io.ts';
export type { CliIo, Command } from './command.ts';
export { exitCodes } from './command.ts';
