import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.ts';

describe('upstreamRequestHeaders', () => {
  const context = { requestId: 'req-1', clientIp: '10.0.0.9', proto: 'http' as const };

  it('drops hop-by-hop headers, including those named by Connection', () => {
    const out = upstreamRequestHeaders(
      {
        connection: 'keep-alive, x-secret-hop',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        'proxy-authorization': 'Basic x',
        'x-secret-hop': '1',
        expect: '100-continue',
        accept: 'application/json',
      },
      context,
    );
    expect(Object.keys(out).sort()).toEqual([
      'accept',
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-request-id',
    ]);
  });

  it('appends to the X-Forwarded chain and passes traceparent through', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const out = upstreamRequestHeaders(
      { host: 'api.example', 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', traceparent },
      context,
    );
    expect(out['x-forwarded-for']).toBe('203.0.113.7, 10.0.0.9');
    expect(out['x-forwarded-proto']).toBe('https, http');
    expect(out['x-forwarded-host']).toBe('api.example');
    expect(out.traceparent).toBe(traceparent);
    expect(out['x-request-id']).toBe('req-1');
    expect(out.host).toBe('api.example');
  });

  it('drops Proxy (httpoxy) and every name with an underscore', () => {
    const out = upstreamRequestHeaders(
      { proxy: 'http://evil.example', x_forwarded_for: '6.6.6.6', api_key: 'k', accept: '*/*' },
      context,
    );
    expect(Object.keys(out).sort()).toEqual([
      'accept',
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-request-id',
    ]);
  });

  it("appends to a client's Forwarded only, quoting an IPv6 node and a host with a port", () => {
    expect(upstreamRequestHeaders({ host: 'a.example' }, context).forwarded).toBeUndefined();
    const out = upstreamRequestHeaders(
      { host: 'a.example:8080', forwarded: 'for=6.6.6.6' },
      { ...context, clientIp: '2001:db8::1', proto: 'https' },
    );
    expect(out.forwarded).toBe('for=6.6.6.6, for="[2001:db8::1]";proto=https;host="a.example:8080"');
  });

  it('forwards no empty Host nor X-Forwarded-Host: the endpoint authority goes, as with no Host at all', () => {
    for (const incoming of [{ host: '' }, { ':authority': '' }]) {
      const out = upstreamRequestHeaders({ ...incoming, forwarded: 'for=192.0.2.1' }, context);
      expect(out).not.toHaveProperty('host');
      expect(out).not.toHaveProperty('x-forwarded-host');
      expect(out.forwarded).toBe('for=192.0.2.1, for=10.0.0.9;proto=http');
    }
  });

  it('drops HTTP/2 pseudo-headers and takes the host from :authority', () => {
    const out = upstreamRequestHeaders(
      {
        ':method': 'GET',
        ':path': '/x',
        ':scheme': 'https',
        ':authority': 'api.example:8443',
        accept: '*/*',
      },
      { ...context, proto: 'https' },
    );
    expect(out).toEqual({
      accept: '*/*',
      host: 'api.example:8443',
      'x-forwarded-for': '10.0.0.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example:8443',
      'x-request-id': 'req-1',
    });
  });
});

describe('upstreamRequestHeaders and gateway.headers_with_underscores', () => {
  const context = { requestId: 'req-1', clientIp: '10.0.0.9', proto: 'http' as const };
  const forged = {
    x_forwarded_for: '6.6.6.6',
    x_forwarded_proto: 'https',
    x_forwarded_host: 'evil.example',
    x_request_id: 'forged',
    content_length: '5',
    transfer_encoding: 'chunked',
    proxy_authorization: 'Basic x',
    x_user: 'admin',
  };
  const noHostRewrite = { host: { from: 'client' as const }, remove: ['x-user'], set: [] };

  it('allow: forwards api_key, drops an underscored spelling of a name the gateway sets, removes or frames by', () => {
    const out = upstreamRequestHeaders(
      { api_key: 'k', accept: '*/*', ...forged },
      context,
      noHostRewrite,
      'allow',
    );
    expect(Object.keys(out).sort()).toEqual([
      'accept',
      'api_key',
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-request-id',
    ]);
  });

  it('allow: still drops an underscored name its Connection header names (hop-by-hop)', () => {
    const incoming = { connection: 'api_key', api_key: 'k', client_id: 'c' };
    const out = upstreamRequestHeaders(incoming, context, undefined, 'allow');
    expect(out).not.toHaveProperty('api_key');
    expect(out).toHaveProperty('client_id', 'c');
  });

  it('reject: reached only for a request without such a name (refused before), it drops as drop does', () => {
    expect(upstreamRequestHeaders({ api_key: 'k' }, context, undefined, 'reject')).not.toHaveProperty(
      'api_key',
    );
  });
});

describe('upstreamRequestHeaders with a route rewrite', () => {
  const context = { requestId: 'req-1', clientIp: '10.0.0.9', proto: 'https' as const };
  const incoming = { host: 'gw.example', authorization: 'Bearer client', cookie: 'sid=1', accept: '*/*' };

  it('sets headers over the client value, removes listed ones (gateway-added too) and fixes the Host', () => {
    const out = upstreamRequestHeaders(incoming, context, {
      host: { from: 'literal', value: 'api.openai.com' },
      remove: ['cookie', 'x-forwarded-for'],
      set: [['authorization', 'Bearer provider-key']],
    });
    expect(out).toEqual({
      host: 'api.openai.com',
      authorization: 'Bearer provider-key',
      accept: '*/*',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'gw.example',
      'x-request-id': 'req-1',
    });
  });

  it("sends no Host for `endpoint`, so the client writes the endpoint's own", () => {
    const out = upstreamRequestHeaders(incoming, context, {
      host: { from: 'endpoint' },
      remove: [],
      set: [],
    });
    expect(out.host).toBeUndefined();
    expect(out['x-forwarded-host']).toBe('gw.example');
  });
});

describe('clientResponseHeaders', () => {
  it('drops hop-by-hop response headers and sets the request id', () => {
    const out = clientResponseHeaders(
      {
        connection: 'close',
        'transfer-encoding': 'chunked',
        'keep-alive': 'timeout=5',
        'content-type': 'text/plain',
        'x-request-id': 'upstream-made',
      },
      'req-2',
    );
    expect(out).toEqual({ 'content-type': 'text/plain', 'x-request-id': 'req-2' });
  });

  it('drops what Connection names, whether it names one hop-by-hop header, one other or several', () => {
    const upstream = { 'keep-alive': 'timeout=5', 'x-hop': '1', 'x-other': '2', 'content-length': '3' };
    expect(clientResponseHeaders({ ...upstream, connection: ' Keep-Alive ' }, 'r')).toEqual({
      'x-hop': '1',
      'x-other': '2',
      'content-length': '3',
      'x-request-id': 'r',
    });
    expect(clientResponseHeaders({ ...upstream, connection: 'x-hop' }, 'r')).toEqual({
      'x-other': '2',
      'content-length': '3',
      'x-request-id': 'r',
    });
    expect(clientResponseHeaders({ ...upstream, connection: 'keep-alive, X-Other' }, 'r')).toEqual({
      'x-hop': '1',
      'content-length': '3',
      'x-request-id': 'r',
    });
  });
});
