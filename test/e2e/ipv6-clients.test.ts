import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodeBinary } from '../support/node-binary.ts';
import type { RawReply } from '../support/raw-http.ts';

/**
 * Two IPv6 addresses of one /64, which a single host usually holds, on real sockets. The machine's loopback
 * has only ::1, so the child runs in a network namespace of its own (`unshare -rn`) whose loopback gets
 * addresses of two /64s; where namespaces are not allowed (some CI runners), the test is skipped.
 */

const childScript = fileURLToPath(new URL('../support/ipv6-clients-child.ts', import.meta.url));
const addresses = ['2001:db8:1::1', '2001:db8:1::2', '2001:db8:2::1'];
const setUp = [
  'ip link set lo up',
  ...addresses.map((address) => `ip -6 addr add ${address}/64 dev lo nodad`),
  'exec "$0" "$@"',
].join(' && ');
const canIsolate = spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up']).status === 0;

describe.skipIf(!canIsolate)('IPv6 clients on a gateway listener on [::1]', () => {
  it('charges every address of one /64 to limits.max_connections_per_ip, and serves another /64', async () => {
    const { stdout } = await promisify(execFile)(
      'unshare',
      ['-rn', 'sh', '-c', setUp, nodeBinary, childScript],
      { timeout: 15_000 },
    );
    const { sameSlash64, otherSlash64 } = JSON.parse(stdout) as Record<string, RawReply>;
    expect([sameSlash64?.status, sameSlash64?.errorCode]).toEqual([503, 'GW_TOO_MANY_CONNECTIONS']);
    expect(otherSlash64?.status).toBe(200);
  });
});
