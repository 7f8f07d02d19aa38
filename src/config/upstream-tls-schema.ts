import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import { whenParsed } from './partly-parsed.ts';

/**
 * `pools.NAME.tls`: how the gateway speaks TLS to the pool's `https://` endpoints (Envoy's
 * UpstreamTlsContext, nginx's proxy_ssl_*). The PEM files are read here, at load, into the spec: the data
 * plane never touches the disk, a reload reads them again (rotation), and an unreadable or invalid file is
 * a config error at its YAML line like any other.
 */

const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

const serverName = z
  .string()
  .regex(
    /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?)*$/,
    'expected a host name such as backend.internal (no scheme, no port)',
  )
  // RFC 6066 has no SNI for an address; an endpoint's certificate is checked against its address already.
  .refine((name) => isIP(name) === 0, 'expected a host name, not an IP address (SNI cannot carry one)');

const path = z.string().min(1);

export const upstreamTls = z
  .strictObject({
    ca_file: path.optional().meta({
      description: "PEM file of the CAs that replace the system's for this pool's https endpoints",
    }),
    server_name: serverName.optional().meta({
      description: 'The SNI sent and the name the certificate must carry, for every https endpoint',
    }),
    verify: z.boolean().default(true).meta({
      description: 'false accepts any certificate (a last resort: anyone on the path can read the traffic)',
    }),
    cert_file: path.optional().meta({ description: 'PEM client certificate for mutual TLS (with key_file)' }),
    key_file: path.optional().meta({ description: 'PEM private key of cert_file' }),
  })
  .meta({ description: "TLS to the pool's https endpoints: CAs, server name, verification, client cert" })
  .superRefine(
    (t, ctx) => {
      if ((t.cert_file === undefined) === (t.key_file === undefined)) return;
      const missing = t.cert_file === undefined ? 'cert_file' : 'key_file';
      const given = missing === 'cert_file' ? 'key_file' : 'cert_file';
      ctx.addIssue({
        code: 'custom',
        path: [given],
        message: `${given} needs ${missing}: a client certificate is the pair`,
      });
    },
    whenParsed('cert_file', 'key_file'),
  )
  .transform((t, ctx) => {
    const read = (key: 'ca_file' | 'cert_file' | 'key_file', file: string): string | undefined => {
      try {
        return readFileSync(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        ctx.addIssue({ code: 'custom', path: [key], message: `cannot read ${file} (${readFailure(code)})` });
        return undefined;
      }
    };
    const ca = t.ca_file === undefined ? undefined : read('ca_file', t.ca_file);
    if (ca !== undefined && t.ca_file !== undefined) {
      const problem = caProblem(ca);
      if (problem) ctx.addIssue({ code: 'custom', path: ['ca_file'], message: `${t.ca_file}: ${problem}` });
    }
    let clientCertificate: { cert: string; key: string } | undefined;
    if (t.cert_file !== undefined && t.key_file !== undefined) {
      const cert = read('cert_file', t.cert_file);
      const key = read('key_file', t.key_file);
      if (cert !== undefined && key !== undefined) {
        const problem = pairProblem(cert, key);
        if (problem) ctx.addIssue({ code: 'custom', path: ['cert_file'], message: problem });
        else clientCertificate = { cert, key };
      }
    }
    return {
      ca,
      serverName: t.server_name,
      isVerified: t.verify,
      clientCertificate,
    };
  });

function readFailure(code: string): string {
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code;
}

/** Why `pem` is no CA bundle: node would take any text as `ca` and then trust nothing, failing every request. */
function caProblem(pem: string): string | undefined {
  const blocks = pem.match(pemCertificate) ?? [];
  if (blocks.length === 0) return 'no PEM certificate (-----BEGIN CERTIFICATE-----) in the file';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate`;
    }
  }
  return undefined;
}

/** Why `cert` and `key` are no usable pair; OpenSSL's reason names the routine, never the key's bytes. */
function pairProblem(cert: string, key: string): string | undefined {
  try {
    createSecureContext({ cert, key });
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    return `cert_file and key_file do not form a usable client certificate: ${reason}`;
  }
}
