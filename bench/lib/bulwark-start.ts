import type { ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bulwarkNodeFlags, type ChildSet, freePort, nodeBinary, pinned, waitForHttp } from './children.ts';
import { exitedEarly } from './targets.ts';

const mainScript = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface StartedBulwark {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly adminUrl: string;
  readonly gatewayUrl: string;
  readonly startupMs: number;
}

/**
 * `bulwark start -c DIR/bulwark.yaml` pinned to `core`, its output in DIR/bulwark.log; resolves once the
 * admin listener answers `readyPath`. `configYaml` receives two free loopback ports for the listeners.
 */
export async function startBenchBulwark(options: {
  readonly children: ChildSet;
  readonly core: number;
  readonly dir: string;
  readonly startTimeoutMs: number;
  readonly configYaml: (ports: { gatewayPort: number; adminPort: number }) => string;
  /**
   * /healthz (the default) answers as soon as the admin listener opens; /readyz once the status page and the
   * gateway have started too, which is what a script that uses the admin API's status routes must wait for.
   */
  readonly readyPath?: '/healthz' | '/readyz';
  /** Another checkout's src/main.ts, to measure an older build side by side; this checkout's by default. */
  readonly mainScript?: string | undefined;
}): Promise<StartedBulwark> {
  const [gatewayPort, adminPort] = [await freePort(), await freePort()];
  const configPath = join(options.dir, 'bulwark.yaml');
  writeFileSync(configPath, options.configYaml({ gatewayPort, adminPort }));
  const logPath = join(options.dir, 'bulwark.log');
  const logFd = openSync(logPath, 'a');
  const [command, args] = pinned(options.core, nodeBinary, [
    ...bulwarkNodeFlags,
    options.mainScript ?? mainScript,
    ...['start', '-c', configPath],
  ]);
  const startedMs = performance.now();
  const child = options.children.spawn(command, args, ['ignore', logFd, logFd]);
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  try {
    await Promise.race([
      waitForHttp(`${adminUrl}${options.readyPath ?? '/healthz'}`, options.startTimeoutMs),
      exitedEarly(child, logPath),
    ]);
  } catch (error) {
    await options.children.kill(child);
    throw error;
  }
  if (child.pid === undefined) throw new Error('Bulwark started without a pid');
  return {
    process: child,
    pid: child.pid,
    adminUrl,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    startupMs: performance.now() - startedMs,
  };
}
