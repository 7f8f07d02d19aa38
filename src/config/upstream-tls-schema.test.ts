import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePrivateCa, type IssuedCertificate, type PrivateCa } from '../../test/support/private-ca.ts';
import { ConfigError, parseConfigText } from './index.ts';

let ca: PrivateCa;
let client: IssuedCertificate;
let dir: string;

beforeAll(async () => {
  ca = await makePrivateCa();
  client = await ca.issue('bulwark-gateway', 'client');
  dir = await mkdtemp(join(tmpdir(), 'bulwark-tls-schema-'));
});

afterAll(async () => {
  await ca.remove();
  await rm(dir, { recursive: true, force: true });
});

const configWith = (tls: string, url = 'https://127.0.0.1:9443') =>
  [
    'pools:',
    '  api:',
    `    endpoints: [{ url: "${url}" }]`,
    `    tls: ${tls}`,
    'routes:',
    '  - pool: api',
    '',
  ].join('\n');

function issuesOf(text: string): string[] {
  try {
    parseConfigText(text, { file: 'bad.yaml' });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.line} ${i.path}: ${i.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('pools.NAME.tls', () => {
  it('reads the files into the pool spec as PEM text, verification on by default', () => {
    const tls = `{ ca_file: ${ca.caPath}, server_name: backend.internal, cert_file: ${client.certPath}, key_file: ${client.keyPath} }`;
    const config = parseConfigText(configWith(tls));
    expect(config.pools['api']!.tls).toEqual({
      ca: ca.caPem,
      serverName: 'backend.internal',
      isVerified: true,
      clientCertificate: { cert: client.certPem, key: client.keyPem },
    });
  });

  it('refuses an IP address as server_name: SNI cannot carry one', () => {
    expect(issuesOf(configWith('{ server_name: 10.0.0.1 }'))).toEqual([
      '4 pools.api.tls.server_name: expected a host name, not an IP address (SNI cannot carry one), found "10.0.0.1"',
    ]);
  });

  it('refuses cert_file without key_file', () => {
    expect(issuesOf(configWith(`{ cert_file: ${client.certPath} }`))).toEqual([
      '4 pools.api.tls.cert_file: cert_file needs key_file: a client certificate is the pair',
    ]);
  });

  it('refuses a ca_file with no certificate in it, which would trust nothing', async () => {
    const file = join(dir, 'empty-ca.pem');
    await writeFile(file, '# nothing here\n');
    expect(issuesOf(configWith(`{ ca_file: ${file} }`))).toEqual([
      `4 pools.api.tls.ca_file: ${file}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file`,
    ]);
  });

  it('refuses a key_file that is not the key of cert_file, without quoting either', async () => {
    const other = await ca.issue('other', 'client');
    const issues = issuesOf(configWith(`{ cert_file: ${client.certPath}, key_file: ${other.keyPath} }`));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^4 pools\.api\.tls\.cert_file: cert_file and key_file do not form a usable/);
    expect(issues[0]).not.toContain(other.keyPem.split('\n')[1]);
  });
});
