import type { IncomingMessage } from 'node:http';
import { requestIds } from './request-id.ts';
import type { HashKey } from './spec.ts';

// A client-supplied id is kept only if it is short and plain, so it is safe in logs and headers.
const acceptableRequestId = /^[\w.:@+=/-]{1,128}$/;

/**
 * The client's id if it is acceptable, else one made up and kept on the request in its place, so that every
 * part naming the request (the exchange, a late 408 from the listener, a refusal) names the same id; the
 * upstream gets it as `x-request-id` either way.
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && acceptableRequestId.test(given)) return given;
  const made = requestIds.next();
  req.headers['x-request-id'] = made;
  return made;
}

export function clientIpOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** `https` when the client reached us over TLS (a TLSSocket, or the proxy an HTTP/2 request exposes for it). */
export function protoOf(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}

/** The consistent-hash key's value for this request: a header, a cookie or the client address. */
export function hashKeyValueOf(key: HashKey, req: IncomingMessage, clientIp: string): string | undefined {
  if (key.from === 'ip') return clientIp;
  if (key.from === 'header') {
    const value = req.headers[key.name];
    return Array.isArray(value) ? value[0] : value;
  }
  const prefix = `${key.name}=`;
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const trimmed = pair.trim();
    if (trimmed.startsWith(prefix)) return trimmed.slice(prefix.length);
  }
  return undefined;
}
