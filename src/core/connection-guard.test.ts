import { describe, expect, it } from 'vitest';
import { ConnectionGuard } from './connection-guard.ts';

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
