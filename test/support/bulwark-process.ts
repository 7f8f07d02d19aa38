import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { nodeBinary } from './node-binary.ts';

const mainScript = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface BulwarkProcess {
  readonly child: ChildProcess;
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  exited(): Promise<number | null>;
}

/** `bulwark start -c FILE` as a real process; resolves once it printed where it listens. */
export async function startBulwarkProcess(configFile: string): Promise<BulwarkProcess> {
  const child = spawn(nodeBinary, [mainScript, 'start', '-c', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const started = new Promise<{ gatewayUrl: string; adminUrl: string }>((resolve, reject) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
      const match = /gateway (\S+), admin (\S+)/.exec(stderr);
      if (match) resolve({ gatewayUrl: match[1]!, adminUrl: match[2]! });
    });
    void exit.then((code) => reject(new Error(`bulwark exited with ${code} before listening: ${stderr}`)));
  });
  const urls = await started;
  return { child, ...urls, stderr: () => stderr, exited: () => exit };
}
