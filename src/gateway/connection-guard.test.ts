import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConnectionGuard } from './connection-guard.ts';

/** Just enough of a socket for the guard: an address, close, and what a refusal does to it. */
class FakeSocket extends EventEmitter {
  readonly remoteAddress: string | undefined;
  written = '';
  destroyed = false;

  constructor(remoteAddress: string | undefined) {
    super();
    this.remoteAddress = remoteAddress;
  }

  write(bytes: Buffer): boolean {
    this.written += bytes.toString();
    return true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  close(): void {
    this.emit('close');
  }
}

const connect = (guard: ConnectionGuard, ip: string | undefined): FakeSocket => {
  const socket = new FakeSocket(ip);
  guard.admit(socket as unknown as Socket);
  return socket;
};

describe('ConnectionGuard', () => {
  it('refuses the connection over the cap with a 503 and counts each address apart', () => {
    const guard = new ConnectionGuard(2);
    const admitted = [connect(guard, '10.0.0.1'), connect(guard, '10.0.0.1')];
    const refused = connect(guard, '10.0.0.1');
    const other = connect(guard, '10.0.0.2');
    expect(admitted.map((s) => s.destroyed)).toEqual([false, false]);
    expect(refused.destroyed).toBe(true);
    expect(refused.written).toMatch(/^HTTP\/1\.1 503 [\s\S]*"GW_TOO_MANY_CONNECTIONS"/);
    expect(other.destroyed).toBe(false);
  });

  it('frees a slot when a connection closes, and a refused one never takes one', () => {
    const guard = new ConnectionGuard(1);
    const first = connect(guard, '10.0.0.1');
    connect(guard, '10.0.0.1').close();
    first.close();
    expect(connect(guard, '10.0.0.1').destroyed).toBe(false);
  });

  it('forgets an address once its last connection closes, so many addresses leave nothing behind', () => {
    const guard = new ConnectionGuard(3);
    const sockets = Array.from({ length: 1_000 }, (_, i) => connect(guard, `10.0.${i >> 8}.${i & 255}`));
    expect(guard.trackedAddresses).toBe(1_000);
    for (const socket of sockets) socket.close();
    expect(guard.trackedAddresses).toBe(0);
  });

  it('admits a socket already reset by its peer without charging any address', () => {
    const guard = new ConnectionGuard(1);
    expect(connect(guard, undefined).destroyed).toBe(false);
    expect(guard.trackedAddresses).toBe(0);
  });
});
