import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError } from '../../services/service-error.ts';

/** Values of a path's `{name}` segments, URL-decoded. */
export type RouteParams = Readonly<Record<string, string>>;

/**
 * One admin endpoint. HEAD is served by the GET handler; node:http drops the body for HEAD itself.
 * A path segment written `{name}` matches any one segment and reaches the handler as params.name.
 */
export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly handle: (
    request: IncomingMessage,
    response: ServerResponse,
    params: RouteParams,
  ) => void | Promise<void>;
}

/** Admin error codes, kept apart from core's so the admin surface can grow without touching core. */
export type AdminErrorCode =
  | 'ADMIN_NOT_FOUND'
  | 'ADMIN_METHOD_NOT_ALLOWED'
  | 'ADMIN_BAD_REQUEST'
  | 'ADMIN_UNAUTHORIZED'
  | 'ADMIN_WRITES_DISABLED'
  | 'ADMIN_BUSY'
  | 'ADMIN_INTERNAL';

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    // Probes and scrapes must see the live state, never a cached answer.
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(text);
}

/** The error shape every Bulwark HTTP surface uses: {"error":{"code","message"}}. */
export function sendError(
  response: ServerResponse,
  status: number,
  code: AdminErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(response, status, { error: { code, message } }, headers);
}

/**
 * A verb's refusal as HTTP: not found → 404, busy → 503, invalid input → 400 naming the field; anything else
 * rethrown.
 */
export function sendServiceError(response: ServerResponse, error: unknown): void {
  if (!(error instanceof ServiceError)) throw error;
  if (error.code === 'SVC_NOT_FOUND') return sendError(response, 404, 'ADMIN_NOT_FOUND', error.message);
  if (error.code === 'SVC_BUSY') return sendError(response, 503, 'ADMIN_BUSY', error.message);
  sendBadInput(response, error.field ?? '', error.message);
}

export function sendBadInput(response: ServerResponse, field: string, message: string): void {
  sendJson(response, 400, { error: { code: 'ADMIN_BAD_REQUEST', message, field } });
}
