import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SelfSignedCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly keyPem: string;
  remove(): Promise<void>;
}

const run = promisify(execFile);

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost, made by the openssl CLI in a fresh
 * temp dir: node:crypto can make keys but not X.509 certificates, and a checked-in key would be a smell.
 */
export async function makeSelfSignedCertificate(commonName = 'localhost'): Promise<SelfSignedCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-tls-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  return {
    certPath,
    keyPath,
    certPem: await readFile(certPath, 'utf8'),
    keyPem: await readFile(keyPath, 'utf8'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
