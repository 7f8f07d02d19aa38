import type { CliIo } from '../../src/admin/cli/command.ts';
import { runCli } from '../../src/admin/cli/run-cli.ts';

/** Runs the CLI in-process with captured output and an empty environment; stop signals never arrive. */
export function runCliCaptured(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCliWithEnv({}, ...argv);
}

/** The same, with the given environment (e.g. BULWARK_ADMIN_TOKEN for admin writes). */
export async function runCliWithEnv(
  env: Record<string, string>,
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    waitForStop: () => new Promise(() => {}),
    env,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}
