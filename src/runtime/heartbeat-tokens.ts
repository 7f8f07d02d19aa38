import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The secret tokens in heartbeat URLs: an HMAC of the monitor id under a random key kept in data_dir
 * (mode 0600), so a monitor's URL survives restarts and reloads.
 */
export class HeartbeatTokens {
  readonly #secret: Buffer;

  private constructor(secret: Buffer) {
    this.#secret = secret;
  }

  /**
   * Reads data_dir/heartbeat.key, creating it on first start. A key that is not 32 bytes of hex (an empty
   * file, say) stops the start: heartbeat URLs made from it could be computed by anyone.
   */
  static async load(dataDir: string): Promise<HeartbeatTokens> {
    const path = join(dataDir, 'heartbeat.key');
    const text = await readFile(path, 'utf8').catch((error: unknown) => {
      if (hasCode(error, 'ENOENT')) return undefined;
      throw error;
    });
    if (text !== undefined) return new HeartbeatTokens(parseKey(text, path));
    const fresh = join(dataDir, `heartbeat.key.${process.pid}.${randomBytes(4).toString('hex')}`);
    await writeFile(fresh, `${randomBytes(keyBytes).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      // A link appears whole or not at all, and fails if the key exists: two processes starting at once
      // both read back the first key linked, and a crash leaves no empty key behind.
      await link(fresh, path).catch((error: unknown) => {
        if (!hasCode(error, 'EEXIST')) throw error;
      });
    } finally {
      await unlink(fresh).catch(() => undefined);
    }
    return new HeartbeatTokens(parseKey(await readFile(path, 'utf8'), path));
  }

  tokenOf(monitorId: string): string {
    return createHmac('sha256', this.#secret)
      .update(`heartbeat:${monitorId}`)
      .digest('base64url')
      .slice(0, 32);
  }

  /** The monitor among `monitorIds` the token belongs to; compared in constant time. */
  monitorFor(token: string, monitorIds: Iterable<string>): string | undefined {
    const given = Buffer.from(token);
    for (const id of monitorIds) {
      const expected = Buffer.from(this.tokenOf(id));
      if (expected.length === given.length && timingSafeEqual(expected, given)) return id;
    }
    return undefined;
  }
}

const keyBytes = 32;

function parseKey(text: string, path: string): Buffer {
  const hex = text.trim();
  if (/^[0-9a-f]+$/i.test(hex) && hex.length === keyBytes * 2) return Buffer.from(hex, 'hex');
  throw new Error(
    `${path} is not a heartbeat key (${keyBytes} bytes in hex); delete it to make a new one (every heartbeat URL changes)`,
  );
}

function hasCode(error: unknown, code: 'ENOENT' | 'EEXIST'): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
