import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBulwark, type RunningBulwark, type StartOptions } from '../../src/app.ts';
import { loadConfigFile } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';

/** Writes bulwark.yaml into a fresh temp directory; `text` gets the directory, for a data_dir inside it. */
export async function writeTempConfig(
  prefix: string,
  text: (dir: string) => string,
): Promise<{ readonly dir: string; readonly file: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const file = join(dir, 'bulwark.yaml');
  await writeFile(file, text(dir));
  return { dir, file };
}

/** Bulwark from a config file, loaded as `bulwark start -c FILE` loads it; logs are silent unless given. */
export async function startFromFile(file: string, options: StartOptions = {}): Promise<RunningBulwark> {
  return startBulwark(await loadConfigFile(file), { logger: createLogger({ level: 'silent' }), ...options });
}
