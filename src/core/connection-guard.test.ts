import { describe, expect, it } from 'vitest';
import { clientKeyOf, ConnectionGuard } from './connection-guard.ts';

/** Just enough of a socket for the guard: an address and its close. */
class FakeSocket {
  readonly remoteAddress: string | undefined;
  readonly #onClose: (() => void)[] = [];

  constructor(remoteAddress: string | undefined) {
    this.remoteAddress = remoteAddress;
  }

  once(_event: 'close', listener: () => void): void {
    this.#onClose.push(listener);
  }

  close(): void {
    for (const listener of this.#onClose.splice(0)) listener();
  }
}

function guardOf(maxPerIp: number): { guard: ConnectionGuard<FakeSocket>; refused: Set<FakeSocket> } {
  const refused = new Set<FakeSocket>();
  return { guard: new ConnectionGuard<FakeSocket>(maxPerIp, (socket) => refused.add(socket)), refused };
}

const connect = (guard: ConnectionGuard<FakeSocket>, ip: string | undefined): FakeSocket => {
  const socket = new FakeSocket(ip);
  guard.admit(socket);
  return socket;
};

describe('ConnectionGuard', () => {
  it('refuses the connection over the cap and counts each address apart', () => {
    const { guard, refused } = guardOf(2);
    const admitted = [connect(guard, '10.0.0.1'), connect(guard, '10.0.0.1')];
    const over = connect(guard, '10.0.0.1');
    const other = connect(guard, '10.0.0.2');
    expect(admitted.map((s) => refused.has(s))).toEqual([false, false]);
    expect(refused.has(over)).toBe(true);
    expect(refused.has(other)).toBe(false);
  });

  it('frees a slot when a connection closes, and a refused one never takes one', () => {
    const { guard, refused } = guardOf(1);
    const first = connect(guard, '10.0.0.1');
    connect(guard, '10.0.0.1').close();
    first.close();
    const next = connect(guard, '10.0.0.1');
    expect(refused.size).toBe(1);
    expect(refused.has(next)).toBe(false);
  });

  it('forgets an address once its last connection closes, so many addresses leave nothing behind', () => {
    const { guard } = guardOf(3);
    const sockets = Array.from({ length: 1_000 }, (_, i) => connect(guard, `10.0.${i >> 8}.${i & 255}`));
    expect(guard.trackedAddresses).toBe(1_000);
    for (const socket of sockets) socket.close();
    expect(guard.trackedAddresses).toBe(0);
  });

  it('admits a socket already reset by its peer without charging any address', () => {
    const { guard, refused } = guardOf(1);
    connect(guard, undefined);
    expect(refused.size).toBe(0);
    expect(guard.trackedAddresses).toBe(0);
  });
});

describe('clientKeyOf', () => {
  it.each([
    ['an IPv4 address as it is', '203.0.113.7', '203.0.113.7'],
    ['an IPv6 address by its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['a compressed one alike', '2001:db8::1', '2001:db8:0:0::/64'],
    ['one compressed after its /64 alike', '2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['leading zeros and capitals alike', '2001:0DB8:0000:0002::1', '2001:db8:0:2::/64'],
    ['without its zone', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['an IPv4-mapped address as the IPv4 one', '::ffff:192.0.2.1', '192.0.2.1'],
    ['an IPv4-mapped address written in hex too', '::FFFF:c000:0201', '192.0.2.1'],
    ['an IPv4-mapped address written in full too', '0:0:0:0:0:ffff:c000:201', '192.0.2.1'],
    ['the loopback address', '::1', '0:0:0:0::/64'],
  ])('keys %s', (_what, address, key) => {
    expect(clientKeyOf(address)).toBe(key);
  });

  it('keys anything that is no address as written', () => {
    for (const text of ['1::2::3', '2001:db8::1::', 'not:an:address', '1:2:3:4:5:6:7:8:9', '::1.2.3.999'])
      expect(clientKeyOf(text)).toBe(text);
  });
});

describe('ConnectionGuard with IPv6 clients', () => {
  it('charges every address of one /64 to one client, and another /64 apart', () => {
    const { guard, refused } = guardOf(2);
    connect(guard, '2001:db8:1:2::a');
    connect(guard, '2001:db8:1:2::b');
    const sameSubnet = connect(guard, '2001:db8:1:2:ffff::1');
    const otherSubnet = connect(guard, '2001:db8:1:3::a');
    expect([refused.has(sameSubnet), refused.has(otherSubnet)]).toEqual([true, false]);
  });

  it('charges an IPv4-mapped address and the IPv4 address as one client', () => {
    const { guard, refused } = guardOf(1);
    connect(guard, '192.0.2.1');
    expect(refused.has(connect(guard, '::ffff:192.0.2.1'))).toBe(true);
  });
});
