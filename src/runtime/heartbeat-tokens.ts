import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
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

  /** Reads data_dir/heartbeat.key, creating it on first start. */
  static async load(dataDir: string): Promise<HeartbeatTokens> {
    const path = join(dataDir, 'heartbeat.key');
    const read = async () => new HeartbeatTokens(Buffer.from((await readFile(path, 'utf8')).trim(), 'hex'));
    try {
      return await read();
    } catch {
      const secret = randomBytes(32);
      // 'wx': two processes starting at once keep the first key written; both read that one back.
      await writeFile(path, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).catch(
        () => undefined,
      );
      return read();
    }
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
