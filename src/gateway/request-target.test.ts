import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { escapedSlashRefusal, normalizeTarget } from './request-target.ts';

function routed(url: string, host = 'gateway.example'): { url: string; host: string | undefined } {
  const req = { url, headers: { host } } as unknown as IncomingMessage;
  normalizeTarget(req);
  return { url: req.url!, host: req.headers.host };
}

describe('normalizeTarget: the target routed and forwarded', () => {
  it('leaves ordinary targets as they came, query and encodings included', () => {
    for (const url of [
      '/',
      '/v1/chat',
      '/a//b',
      '/a/.well-known/x',
      '/a%20b/c?q=/../x',
      '/a/..b/c.',
      '/x%2Fy',
    ])
      expect(routed(url).url).toBe(url);
  });

  it('resolves dot segments, so a request cannot leave the route prefix it matched', () => {
    expect(routed('/public/../internal/secret').url).toBe('/internal/secret');
    expect(routed('/public/./a/../b?x=1').url).toBe('/public/b?x=1');
    expect(routed('/../../etc/passwd').url).toBe('/etc/passwd');
    expect(routed('/a/b/..').url).toBe('/a/');
    expect(routed('/a/.').url).toBe('/a/');
    expect(routed('/..').url).toBe('/');
  });

  it('reads %2e as a dot in either case, as WHATWG URL parsers do', () => {
    expect(routed('/public/%2e%2e/internal').url).toBe('/internal');
    expect(routed('/public/.%2E/internal').url).toBe('/internal');
    expect(routed('/public/%2E./internal').url).toBe('/internal');
    expect(routed('/public/%2e/x').url).toBe('/public/x');
  });

  it('takes absolute-form targets in origin form, with the target authority as Host (RFC 9112 §3.2.2)', () => {
    expect(routed('http://api.example:8080/v1/x?y=1')).toEqual({
      url: '/v1/x?y=1',
      host: 'api.example:8080',
    });
    expect(routed('HTTPS://user:pw@api.example')).toEqual({ url: '/', host: 'api.example' });
    expect(routed('http://api.example/a/../b').url).toBe('/b');
  });

  it('leaves other targets to match no route', () => {
    expect(routed('*')).toEqual({ url: '*', host: 'gateway.example' });
    expect(routed('ftp://x/y').url).toBe('ftp://x/y');
  });
});

describe('escapedSlashRefusal: a path a decoding upstream would read with a dot segment', () => {
  it('refuses %2F or %5C, in either case, beside a dot segment (%2e counted)', () => {
    for (const target of [
      '/public/..%2fadmin',
      '/public/%2e%2e%2Fadmin',
      '/public/x%2F..',
      '/a/.%5cb',
      'http://h.example/public/..%2Fadmin',
    ])
      expect(escapedSlashRefusal(target), target).toMatch(/encoded slash/);
  });

  it('lets an encoded slash inside a name through, and any in the query', () => {
    for (const target of [
      '/v1/projects/group%2Frepo',
      '/a%2F..b/c',
      '/a/..b%2F',
      '/x?next=..%2fadmin',
      '/a/../b',
    ])
      expect(escapedSlashRefusal(target), target).toBeUndefined();
  });
});
