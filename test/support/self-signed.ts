import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
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

export interface TrustedHttpsServer {
  readonly server: Server;
  readonly port: number;
  /** Closes its connections and itself, then stops trusting its certificate and removes it. */
  close(): Promise<void>;
}

/**
 * An https server on 127.0.0.1 with a fresh self-signed certificate (localhost, 127.0.0.1), which this process
 * trusts until `close`: an upstream Bulwark verifies as it would a real one.
 */
export async function startTrustedHttpsServer(onRequest: RequestListener): Promise<TrustedHttpsServer> {
  const cert = await makeSelfSignedCertificate();
  const trusted = getCACertificates('default');
  setDefaultCACertificates([...trusted, cert.certPem]);
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, onRequest);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      setDefaultCACertificates(trusted);
      await cert.remove();
    },
  };
}
