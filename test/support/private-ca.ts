import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface IssuedCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface PrivateCa {
  readonly dir: string;
  readonly caPath: string;
  readonly caPem: string;
  /** A leaf signed by this CA: `serverAuth` with the given SANs (`DNS:…`, `IP:…`), or `clientAuth`. */
  issue(
    name: string,
    use: { readonly subjectAltNames: readonly string[] } | 'client',
  ): Promise<IssuedCertificate>;
  remove(): Promise<void>;
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A throwaway CA in a fresh temp dir, made by the openssl CLI as self-signed.ts does: an internal CA no
 * system trusts, as a team's backends use, and the leaves it signs for servers and clients.
 */
export async function makePrivateCa(commonName = 'Bulwark Test CA'): Promise<PrivateCa> {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-ca-'));
  const caPath = join(dir, 'ca.pem');
  const caKeyPath = join(dir, 'ca-key.pem');
  await run('openssl', [
    'req',
    '-x509',
    ...ecKey,
    '-days',
    '1',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    caKeyPath,
    '-out',
    caPath,
  ]);
  let serial = 0;
  const issue: PrivateCa['issue'] = async (name, use) => {
    serial += 1;
    const base = join(dir, `leaf-${serial}`);
    const [certPath, keyPath, csrPath, extPath] = ['.pem', '-key.pem', '.csr', '.ext'].map((s) => base + s);
    await run('openssl', [
      'req',
      '-new',
      ...ecKey,
      '-subj',
      `/CN=${name}`,
      '-keyout',
      keyPath!,
      '-out',
      csrPath!,
    ]);
    const extensions =
      use === 'client'
        ? ['extendedKeyUsage=clientAuth']
        : ['extendedKeyUsage=serverAuth', `subjectAltName=${use.subjectAltNames.join(',')}`];
    await writeFile(extPath!, `${extensions.join('\n')}\n`);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csrPath!,
      '-CA',
      caPath,
      '-CAkey',
      caKeyPath,
      '-set_serial',
      String(serial + 1000),
      '-days',
      '1',
      '-extfile',
      extPath!,
      '-out',
      certPath!,
    ]);
    return {
      certPath: certPath!,
      keyPath: keyPath!,
      certPem: await readFile(certPath!, 'utf8'),
      keyPem: await readFile(keyPath!, 'utf8'),
    };
  };
  return {
    dir,
    caPath,
    caPem: await readFile(caPath, 'utf8'),
    issue,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
