import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../observability/index.ts';
import { refuseWrite } from './auth.ts';
import { sendError, sendJson, sendServiceError, type AdminRoute, type RouteParams } from './respond.ts';

/** Answers 401/403 and returns false unless the request carries one of the admin tokens. */
export function isAdmitted(
  request: IncomingMessage,
  response: ServerResponse,
  tokens: readonly string[],
): boolean {
  const refusal = refuseWrite(request.headers.authorization, tokens);
  if (refusal) sendError(response, refusal.status, refusal.code, refusal.message, refusal.headers);
  return refusal === undefined;
}

/**
 * Routes that need an admin token and answer JSON: each runs a verb, logs what a write did as `event`
 * (`action` undefined for reads), answers its result (204 when there is none), and maps a verb's refusal
 * to 400, 404 or 503.
 */
export function guardedJson(options: {
  readonly adminTokens: () => readonly string[];
  readonly log: Logger;
  readonly event: string;
}) {
  return (
      action: string | undefined,
      run: (request: IncomingMessage, params: RouteParams) => Promise<unknown>,
      status = 200,
    ): AdminRoute['handle'] =>
    async (request, response, params) => {
      if (!isAdmitted(request, response, options.adminTokens())) return;
      try {
        const result = await run(request, params);
        if (action !== undefined)
          options.log.info(
            { event: options.event, action, target: params.id ?? params.fingerprint },
            `${action} by the admin API`,
          );
        if (result === undefined) response.writeHead(204).end();
        else sendJson(response, status, result);
      } catch (error) {
        sendServiceError(response, error);
      }
    };
}
