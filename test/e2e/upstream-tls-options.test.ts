import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { startHttpsUpstream, type HttpsUpstream } from '../support/https-upstream.ts';
import { makePrivateCa, type PrivateCa } from '../support/private-ca.ts';
import { sendRaw } from '../support/raw-http.ts';
import { makeSelfSignedCertificate } from '../support/self-signed.ts';

// pools.NAME.tls on the request path: a pool's own CAs, server name, verification switch and client
// certificate, each against an https upstream on 127.0.0.1 that no system CA vouches for.

let bulwark: RunningBulwark | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function privateCa(): Promise<PrivateCa> {
  const ca = await makePrivateCa();
  cleanups.push(() => ca.remove());
  return ca;
}

async function upstream(options: Parameters<typeof startHttpsUpstream>[0]): Promise<HttpsUpstream> {
  const started = await startHttpsUpstream(options);
  cleanups.push(() => started.close());
  return started;
}

/**
 * An upstream whose certificate, for `name` (`altName`), a private CA signed, and which requires a client
 * certificate from that CA: `client` is one, for the gateway to present.
 */
async function mutualTlsUpstream(name: string, altName: string) {
  const ca = await privateCa();
  const leaf = await ca.issue(name, { subjectAltNames: [altName] });
  const client = await ca.issue('bulwark-gateway', 'client');
  const target = await upstream({
    cert: leaf.certPem,
    key: leaf.keyPem,
    ca: ca.caPem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  return { ca, client, target };
}

/** One pool per entry, each with one endpoint and a route at `/NAME`; JSON is YAML too. */
async function gatewayWith(pools: Record<string, { url: string; tls?: Record<string, unknown> }>) {
  const config = {
    listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
    logging: { level: 'silent' },
    pools: Object.fromEntries(
      Object.entries(pools).map(([name, { url, tls }]) => [
        name,
        { endpoints: [{ url }], ...(tls ? { tls } : {}) },
      ]),
    ),
    routes: Object.keys(pools).map((name) => ({ match: { path_prefix: `/${name}` }, pool: name })),
  };
  const { dir, file } = await writeTempConfig('bulwark-upstream-tls-', () => JSON.stringify(config));
  cleanups.push(() => import('node:fs/promises').then(({ rm }) => rm(dir, { recursive: true })));
  bulwark = await startFromFile(file);
  return bulwark;
}

async function statusOf(path: string): Promise<number> {
  const response = await request(`${bulwark!.gatewayUrl}${path}`);
  await response.body.dump();
  return response.statusCode;
}

describe('pools.NAME.tls', () => {
  it('ca_file: an upstream certified by a private CA fails (502) without it and passes with it', async () => {
    const ca = await privateCa();
    const leaf = await ca.issue('localhost', { subjectAltNames: ['DNS:localhost', 'IP:127.0.0.1'] });
    const { port } = await upstream({ cert: leaf.certPem, key: leaf.keyPem });
    const url = `https://127.0.0.1:${port}`;
    await gatewayWith({ system: { url }, private: { url, tls: { ca_file: ca.caPath } } });

    expect(await statusOf('/system')).toBe(502);
    expect(await statusOf('/private')).toBe(200);
  });

  it('ca_file replaces the system CAs: a certificate they trust fails when the pool names another CA', async () => {
    const [ours, other] = [await privateCa(), await privateCa()];
    const leaf = await ours.issue('localhost', { subjectAltNames: ['IP:127.0.0.1'] });
    const { port } = await upstream({ cert: leaf.certPem, key: leaf.keyPem });
    const url = `https://127.0.0.1:${port}`;
    await gatewayWith({
      ours: { url, tls: { ca_file: ours.caPath } },
      other: { url, tls: { ca_file: other.caPath } },
    });

    expect(await statusOf('/ours')).toBe(200);
    expect(await statusOf('/other')).toBe(502);
  });

  it('server_name: an endpoint given as 127.0.0.1 sends that SNI and is verified against backend.internal', async () => {
    const ca = await privateCa();
    const leaf = await ca.issue('backend.internal', { subjectAltNames: ['DNS:backend.internal'] });
    const target = await upstream({ cert: leaf.certPem, key: leaf.keyPem });
    const url = `https://127.0.0.1:${target.port}`;
    await gatewayWith({
      named: { url, tls: { ca_file: ca.caPath, server_name: 'backend.internal' } },
      address: { url, tls: { ca_file: ca.caPath } },
    });

    expect(await statusOf('/named')).toBe(200);
    expect(target.seen).toEqual([{ path: '/named', serverName: 'backend.internal', clientName: undefined }]);
    // Without it the certificate is checked against the address, which it does not name.
    expect(await statusOf('/address')).toBe(502);
  });

  it('verify: false accepts a self-signed certificate no CA vouches for', async () => {
    const cert = await makeSelfSignedCertificate('someone-else');
    cleanups.push(() => cert.remove());
    const { port } = await upstream({ cert: cert.certPem, key: cert.keyPem });
    const url = `https://127.0.0.1:${port}`;
    await gatewayWith({ verified: { url }, unverified: { url, tls: { verify: false } } });

    expect(await statusOf('/verified')).toBe(502);
    expect(await statusOf('/unverified')).toBe(200);
  });

  it('cert_file and key_file: an upstream that requires a client certificate refuses without, accepts with', async () => {
    const { ca, client, target } = await mutualTlsUpstream('localhost', 'IP:127.0.0.1');
    const url = `https://127.0.0.1:${target.port}`;
    await gatewayWith({
      anonymous: { url, tls: { ca_file: ca.caPath } },
      mutual: { url, tls: { ca_file: ca.caPath, cert_file: client.certPath, key_file: client.keyPath } },
    });

    expect(await statusOf('/anonymous')).toBe(502);
    expect(await statusOf('/mutual')).toBe(200);
    expect(target.seen).toEqual([{ path: '/mutual', serverName: false, clientName: 'bulwark-gateway' }]);
  });

  it("takes a WebSocket upgrade through the same options: the pool's CA, server name and client certificate", async () => {
    const { ca, client, target } = await mutualTlsUpstream('backend.internal', 'DNS:backend.internal');
    const url = `https://127.0.0.1:${target.port}`;
    const tls = { server_name: 'backend.internal', cert_file: client.certPath, key_file: client.keyPath };
    await gatewayWith({ ws: { url, tls: { ...tls, ca_file: ca.caPath } }, plain: { url } });
    const handshake = (path: string) =>
      [
        `GET ${path} HTTP/1.1`,
        'Host: api.example.test',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n');
    const gatewayPort = Number(new URL(bulwark!.gatewayUrl).port);

    const reply = await sendRaw(gatewayPort, handshake('/ws/socket'));
    expect(reply.status, reply.text).toBe(101);
    expect(target.seen).toEqual([
      { path: '/ws/socket', serverName: 'backend.internal', clientName: 'bulwark-gateway' },
    ]);
    expect((await sendRaw(gatewayPort, handshake('/plain/socket'))).status).toBe(502);
  });
});
