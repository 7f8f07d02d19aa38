import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { refusedRequestOf, requestLineOf } from './request-line.ts';

/** node's clientError: the chunk being parsed and where llhttp stopped in it. */
function parseError(chunk: string, bytesParsed: number): Error {
  return Object.assign(new Error('Parse Error'), {
    rawPacket: Buffer.from(chunk, 'latin1'),
    bytesParsed,
  });
}

describe('requestLineOf', () => {
  it('reads method, path (query dropped) and HTTP version (digit.digit only) from a refused request', () => {
    const chunk = 'POST /v1/chat?key=secret HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n';
    expect(requestLineOf(parseError(chunk, 60))).toEqual({
      method: 'POST',
      url: '/v1/chat',
      httpVersion: '1.1',
    });
    // A version that is not digit.digit is left out, not escaped.
    const odd = 'GET /a HTTP/1.1\u001b[31m\r\nHost: a\r\n\r\n';
    expect(requestLineOf(parseError(odd, 20))).toEqual({ method: 'GET', url: '/a' });
  });

  it('escapes control and non-ASCII bytes, so no client can forge a log line', () => {
    const chunk = 'GET /a\u0001b\u001b[31m\u00ff HTTP/1.1\r\nHost: a\r\n\r\n';
    expect(requestLineOf(parseError(chunk, 6))?.url).toBe('/a\\x01b\\x1b[31m\\xff');
  });

  it('keeps at most 200 bytes of the path, and says it cut', () => {
    const chunk = `GET /${'a'.repeat(500)} HTTP/1.1\r\n\r\n`;
    expect(requestLineOf(parseError(chunk, 10))?.url).toBe(`/${'a'.repeat(199)}…`);
  });

  it('takes the pipelined request the error is in, not the one before it', () => {
    const chunk = 'GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n';
    expect(requestLineOf(parseError(chunk, chunk.indexOf('\rb') + 1))).toEqual({
      method: 'GET',
      url: '/bad',
      httpVersion: '1.1',
    });
  });

  it('gives nothing for a chunk that starts in the headers: a header line (a credential) is never taken', () => {
    const chunk = 'Authorization: Bearer s3cret\r\nX : y\r\n\r\n';
    expect(requestLineOf(parseError(chunk, 31))).toBeUndefined();
    expect(requestLineOf(parseError('AUTHORIZATION : Bearer s3cret\r\n\r\n', 14))).toBeUndefined();
  });

  it('gives nothing without the raw bytes', () => {
    expect(requestLineOf(new Error('Parse Error'))).toBeUndefined();
    expect(requestLineOf(parseError('', 0))).toBeUndefined();
  });
});

describe('refusedRequestOf', () => {
  it("carries the client's socket, for its address, with or without a request line", () => {
    const socket = new PassThrough();
    expect(refusedRequestOf(parseError('GET /x HTTP/1.0\r\n\r\n', 5), socket)).toEqual({
      method: 'GET',
      url: '/x',
      httpVersion: '1.0',
      socket,
    });
    expect(refusedRequestOf(new Error('Parse Error'), socket)).toEqual({ method: '', url: '', socket });
  });
});
