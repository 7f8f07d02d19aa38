import type { Duplex } from 'node:stream';
import type { RequestClient } from '../core/events.ts';

/** What a log line shows of a request node's parser refused, before any IncomingMessage existed. */
export interface RequestLine {
  readonly method: string;
  /** The target's path, query dropped (it may carry tokens), at most `maxPathBytes`, odd bytes escaped. */
  readonly url: string;
  /** `1.1` from `HTTP/1.1`, as IncomingMessage has it; undefined unless it is digit.digit. */
  readonly httpVersion?: string | undefined;
}

/** A refused request as its log line sees it: the request line if the bytes show one, and the client's socket. */
export interface RefusedRequest extends RequestLine, RequestClient {}

const maxPathBytes = 200;
/** `METHOD SP target SP HTTP/…`: a header line (`Name: value`) never has this shape, so none is ever logged. */
const requestLineShape = /^([A-Z][A-Z_-]{0,19}) (.+) HTTP\/([^ ]*?)\r?$/s;
const versionShape = /^\d\.\d$/;
/** limits.max_headers at its most, and the request line: the error cannot lie further from it. */
const maxLinesBack = 2001;

/**
 * The request line of the request llhttp refused, read from the bytes it was parsing (`rawPacket`, up to
 * `bytesParsed`, where it stopped). That chunk may start inside the headers (a request sent in pieces) or hold
 * requests pipelined before it: only the last line shaped like a request line before the error is taken, and
 * undefined when there is none, so that a header (a credential) never reaches the log.
 */
export function requestLineOf(error: Error): RequestLine | undefined {
  const { rawPacket, bytesParsed } = error as { rawPacket?: unknown; bytesParsed?: unknown };
  if (!Buffer.isBuffer(rawPacket)) return undefined;
  // The line holding the error first, then the ones before it.
  let searchEnd =
    typeof bytesParsed === 'number' ? Math.min(bytesParsed, rawPacket.length) : rawPacket.length;
  for (let lines = 0; lines < maxLinesBack; lines++) {
    // lastIndexOf counts a negative offset from the end: the chunk's first line needs no search.
    const lineStart = searchEnd === 0 ? 0 : rawPacket.lastIndexOf(0x0a, searchEnd - 1) + 1;
    const first = rawPacket[lineStart] ?? 0;
    if (first >= 0x41 && first <= 0x5a) {
      const lineEnd = rawPacket.indexOf(0x0a, lineStart);
      const line = rawPacket.toString('latin1', lineStart, lineEnd === -1 ? rawPacket.length : lineEnd);
      const shaped = requestLineShape.exec(line);
      if (shaped) {
        const version = shaped[3]!;
        const parsed = { method: shaped[1]!, url: escapedPath(shaped[2]!) };
        return versionShape.test(version) ? { ...parsed, httpVersion: version } : parsed;
      }
    }
    if (lineStart === 0) return undefined;
    searchEnd = lineStart - 1;
  }
  return undefined;
}

/**
 * The request line, if any, with the socket the bytes came on: its peer address is all the log takes of it
 * (read while the line is written, before the socket is destroyed). Never a header: there are none here.
 */
export function refusedRequestOf(error: Error, socket: Duplex): RefusedRequest {
  const line = requestLineOf(error) ?? { method: '', url: '' };
  return { ...line, socket: socket as RequestClient['socket'] };
}

function escapedPath(target: string): string {
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const kept = path.length > maxPathBytes ? path.slice(0, maxPathBytes) : path;
  let text = '';
  for (let i = 0; i < kept.length; i++) {
    const code = kept.charCodeAt(i);
    // Control bytes would let a client forge log lines or terminal escapes; obs-text is shown as bytes.
    text += code < 0x21 || code > 0x7e ? `\\x${code.toString(16).padStart(2, '0')}` : kept[i];
  }
  return kept.length < path.length ? `${text}…` : text;
}
