import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeartbeatTokens } from './heartbeat-tokens.ts';

describe('HeartbeatTokens: the key behind heartbeat URLs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-heartbeat-key-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates a private key on first start and gives the same URLs after a restart', async () => {
    const first = await HeartbeatTokens.load(dir);
    expect((await stat(join(dir, 'heartbeat.key'))).mode & 0o777).toBe(0o600);
    expect((await HeartbeatTokens.load(dir)).tokenOf('nightly')).toBe(first.tokenOf('nightly'));
    expect(await readdir(dir)).toEqual(['heartbeat.key']);
  });

  it('gives two processes starting at once the same key', async () => {
    const [a, b] = await Promise.all([HeartbeatTokens.load(dir), HeartbeatTokens.load(dir)]);
    expect(a.tokenOf('nightly')).toBe(b.tokenOf('nightly'));
  });

  it('refuses an empty or short key, whose URLs anyone could compute', async () => {
    await writeFile(join(dir, 'heartbeat.key'), '');
    await expect(HeartbeatTokens.load(dir)).rejects.toThrow(/is not a heartbeat key .*delete it/);
    await writeFile(join(dir, 'heartbeat.key'), 'abcd\n');
    await expect(HeartbeatTokens.load(dir)).rejects.toThrow(/is not a heartbeat key/);
  });
});
