import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startDnsServer,
  startSilentUdpServer,
  type TestDnsServer,
} from '../../../test/support/dns-server.ts';
import type { CheckContext } from './check.ts';
import { dnsCheck, type DnsCheckSpec } from './dns.ts';

const context = (timeoutMs = 2_000): CheckContext => ({
  signal: new AbortController().signal,
  timeoutMs,
  needs: { body: false },
});

describe('dnsCheck', () => {
  let server: TestDnsServer;
  const query = (host: string, record: DnsCheckSpec['record'], timeoutMs?: number) =>
    dnsCheck.run({ kind: 'dns', host, record, resolver: server }, context(timeoutMs));

  beforeAll(async () => {
    server = await startDnsServer({
      'example.test': {
        A: ['10.1.2.3', '10.1.2.4'],
        AAAA: ['2001:db8::1'],
        MX: [{ priority: 10, exchange: 'mail.example.test' }],
        TXT: ['hello', ['v=spf1 ', 'include:x.test ~all']],
        NS: ['ns1.example.test'],
      },
      'www.example.test': { CNAME: ['example.test'] },
      'broken.test': 'SERVFAIL',
    });
  });
  afterAll(() => server.close());

  it.each([
    ['A', ['10.1.2.3', '10.1.2.4']],
    ['AAAA', ['2001:db8::1']],
    ['MX', ['10 mail.example.test']],
    ['TXT', ['hello', 'v=spf1 include:x.test ~all']],
    ['NS', ['ns1.example.test']],
  ] as const)('answers %s records as text', async (record, answers) => {
    const observation = await query('example.test', record);
    expect(observation.error).toBeUndefined();
    expect(observation.answers).toEqual(answers);
    expect(observation.responseTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('answers a CNAME with the target name', async () => {
    expect((await query('www.example.test', 'CNAME')).answers).toEqual(['example.test']);
  });

  it('reports NXDOMAIN for an unknown name as an error', async () => {
    const observation = await query('nope.example.test', 'A');
    expect(observation).toMatchObject({ error: 'NXDOMAIN: nope.example.test does not exist' });
    expect(observation.answers).toBeUndefined();
  });

  it('reports a known name without records of the type as no answers, not an error', async () => {
    expect(await query('www.example.test', 'A')).toEqual({
      responseTimeMs: expect.any(Number) as unknown,
      answers: [],
    });
  });

  it('reports SERVFAIL as an error', async () => {
    expect((await query('broken.test', 'A')).error).toBe(
      'SERVFAIL: the resolver failed to answer for broken.test',
    );
  });

  it('times out against a resolver that never answers', async () => {
    const silent = await startSilentUdpServer();
    try {
      const observation = await dnsCheck.run(
        { kind: 'dns', host: 'example.test', record: 'A', resolver: silent },
        context(300),
      );
      expect(observation.error).toBe('timed out after 300 ms');
      expect(observation.responseTimeMs).toBeGreaterThanOrEqual(290);
    } finally {
      await silent.close();
    }
  });

  it('reports a resolver that is not an IP address as an error instead of throwing', async () => {
    const observation = await dnsCheck.run(
      { kind: 'dns', host: 'example.test', record: 'A', resolver: { host: 'dns.invalid', port: 53 } },
      context(),
    );
    expect(observation.error).toMatch(/dns\.invalid/);
  });
});
