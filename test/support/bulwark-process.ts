import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { nodeBinary } from './node-binary.ts';

const mainScript = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface BulwarkProcess {
  readonly child: ChildProcess;
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  /** The HTTPS listener's URL when the config has `listen.gateway_tls`. */
  readonly gatewayTlsUrl: string | undefined;
  /** The status page's URL when the config has `status_page`. */
  readonly statusUrl: string | undefined;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** The JSON log lines written to stdout so far (primary and workers share it); empty unless `keepLogLines`. */
  logLines(): string[];
  exited(): Promise<number | null>;
}

export interface BulwarkProcessOptions {
  /** Keep stdout's log lines for the test to read; off by default, as a busy test's logs are large. */
  readonly keepLogLines?: boolean | undefined;
}

/** `bulwark start -c FILE` as a real process; resolves once it printed where it listens. */
export function startBulwarkProcess(
  configFile: string,
  options: BulwarkProcessOptions = {},
): Promise<BulwarkProcess> {
  return spawnBulwarkProcess(configFile, options).started;
}

/** The same, with the process at hand before it has started (to signal it while it starts). */
export function spawnBulwarkProcess(
  configFile: string,
  options: BulwarkProcessOptions = {},
): {
  readonly child: ChildProcess;
  readonly started: Promise<BulwarkProcess>;
} {
  const child = spawn(nodeBinary, [mainScript, 'start', '-c', configFile], {
    stdio: ['ignore', options.keepLogLines ? 'pipe' : 'ignore', 'pipe'],
  });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const logLines = (): string[] => stdout.split('\n').filter((line) => line.startsWith('{'));
  // stderr is always piped; the stdio array chosen at run time hides that from the types.
  return { child, started: whenListening(child as ChildProcess & { stderr: Readable }, logLines) };
}

async function whenListening(
  child: ChildProcess & { stderr: Readable },
  logLines: () => string[],
): Promise<BulwarkProcess> {
  let stderr = '';
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  type Urls = Pick<BulwarkProcess, 'gatewayUrl' | 'adminUrl' | 'gatewayTlsUrl' | 'statusUrl'>;
  const started = new Promise<Urls>((resolve, reject) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
      const match =
        /gateway (\S+), admin (\S+?)(?:, gateway_tls (\S+?))?(?:, status page (\S+))? \(config/.exec(stderr);
      if (match)
        resolve({ gatewayUrl: match[1]!, adminUrl: match[2]!, gatewayTlsUrl: match[3], statusUrl: match[4] });
    });
    void exit.then((code) => reject(new Error(`bulwark exited with ${code} before listening: ${stderr}`)));
  });
  const urls = await started;
  return { child, ...urls, stderr: () => stderr, logLines, exited: () => exit };
}
