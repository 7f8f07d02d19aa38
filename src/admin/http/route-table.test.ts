import { describe, expect, it } from 'vitest';
import type { AdminRoute } from './respond.ts';
import { RouteTable } from './route-table.ts';

const noop: AdminRoute['handle'] = () => undefined;
const table = new RouteTable([
  { method: 'GET', path: '/api/v1/pools', handle: noop },
  { method: 'POST', path: '/api/v1/pools/{pool}/endpoints/{endpoint}/drain', handle: noop },
]);

describe('RouteTable', () => {
  it('captures URL-decoded segments, with or without an encoded colon', () => {
    for (const id of ['127.0.0.1:9001', '127.0.0.1%3A9001', '127.0.0.1%3a9001']) {
      expect(table.match('POST', `/api/v1/pools/api/endpoints/${id}/drain`)).toMatchObject({
        kind: 'found',
        params: { pool: 'api', endpoint: '127.0.0.1:9001' },
      });
    }
    const ipv6 = table.match('POST', `/api/v1/pools/api/endpoints/${encodeURIComponent('[::1]:80')}/drain`);
    expect(ipv6).toMatchObject({ params: { endpoint: '[::1]:80' } });
  });

  it('splits before decoding, so an encoded slash stays inside its segment', () => {
    expect(table.match('POST', '/api/v1/pools/a%2Fb/endpoints/x/drain')).toMatchObject({
      params: { pool: 'a/b', endpoint: 'x' },
    });
    expect(table.match('POST', '/api/v1/pools/api/endpoints//drain')).toEqual({ kind: 'not-found' });
  });

  it('tells a wrong method, a bad encoding and an unknown path apart; HEAD follows GET', () => {
    expect(table.match('GET', '/api/v1/pools/api/endpoints/x/drain')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['POST'],
    });
    expect(table.match('POST', '/api/v1/pools/api/endpoints/%E0%A4%A/drain')).toMatchObject({
      kind: 'bad-path',
    });
    expect(table.match('GET', '/api/v1/nope')).toEqual({ kind: 'not-found' });
    expect(table.match('HEAD', '/api/v1/pools')).toMatchObject({ kind: 'found' });
  });
});
