import { describe, expect, it } from 'vitest';
import { bindError } from './bind-error.ts';

const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), {
  code: 'EADDRINUSE',
});

describe('bindError', () => {
  it('names the config key and keeps the code, which a cluster worker retries its pinned port on', () => {
    const error = bindError('listen.gateway', { host: '127.0.0.1', port: 8080 }, inUse);
    expect(error.message).toBe('listen.gateway: 127.0.0.1:8080 is in use');
    expect(error).toMatchObject({ code: 'EADDRINUSE', cause: inUse });
  });

  it("says when the port is held by the gateway's own listener on another host", () => {
    const held = bindError('listen.gateway', { host: '0.0.0.0', port: 8080 }, inUse, {
      host: '127.0.0.1',
      port: 8080,
    });
    expect(held.message).toBe(
      "listen.gateway: 0.0.0.0:8080 is in use by this gateway's own listener on 127.0.0.1:8080: a reload cannot move a port to another host; restart to do that",
    );
  });

  it('brackets an IPv6 host', () => {
    const denied = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    expect(bindError('listen.status', { host: '::1', port: 80 }, denied).message).toBe(
      'listen.status: [::1]:80 needs privileges this process lacks',
    );
  });
});
