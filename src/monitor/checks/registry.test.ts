import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startDnsServer } from '../../../test/support/dns-server.ts';
import { checks, runCheck } from './registry.ts';

const context = {
  signal: new AbortController().signal,
  timeoutMs: 2_000,
  needs: { body: false },
};

describe('check registry', () => {
  it('registers each kind once', () => {
    const kinds = checks.map((check) => check.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(kinds.toSorted()).toEqual(['dns', 'http', 'tcp', 'tls']);
  });

  it('runs the check of the spec kind', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const dns = await startDnsServer({ 'example.test': { A: ['10.1.2.3'] } });
    try {
      const { port } = server.address() as AddressInfo;
      expect(await runCheck({ kind: 'tcp', host: '127.0.0.1', port }, context)).toMatchObject({
        connected: true,
      });
      const answered = await runCheck(
        { kind: 'dns', host: 'example.test', record: 'A', resolver: dns },
        context,
      );
      expect(answered.answers).toEqual(['10.1.2.3']);
    } finally {
      await dns.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
