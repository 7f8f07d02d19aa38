import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Faults } from './faults.ts';
import { countBodyBytes, pathOf, queryOf, readBody, sendJson } from './http-io.ts';
import {
  completionBody,
  completionChunk,
  completionTokens,
  errorBody,
  modelList,
  newCompletionId,
  parseCompletionRequest,
  sseEvent,
} from './openai.ts';

/** What the API routes need from the server that owns them. */
export interface RouteContext {
  readonly name: string;
  readonly tokenDelayMs: number;
  readonly faults: Faults;
  /** Aborted when the upstream crashes or closes, so streams and timers end with it. */
  readonly signal: AbortSignal;
  readonly random: () => number;
}

type Route = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => Promise<void> | void;

const maxCompletionBodyBytes = 1024 * 1024;

export function findRoute(req: IncomingMessage): Route | undefined {
  const path = pathOf(req);
  if (path === '/healthz') return req.method === 'GET' || req.method === 'HEAD' ? healthz : undefined;
  if (path === '/v1/models') return req.method === 'GET' ? faulty(models) : undefined;
  if (path === '/v1/chat/completions') return req.method === 'POST' ? faulty(chatCompletions) : undefined;
  if (path === '/echo' || path.startsWith('/echo/')) return faulty(echo);
  return undefined;
}

/**
 * slow_ms and error_rate apply to API routes only: an overloaded model is slow and failing while its health
 * endpoint stays quick and green, which is exactly what passive detection and least-request must catch.
 */
function faulty(route: Route): Route {
  return async (req, res, ctx) => {
    if (ctx.faults.slowMs > 0) await sleep(ctx.faults.slowMs, undefined, { signal: ctx.signal });
    if (ctx.faults.errorRate > 0 && ctx.random() < ctx.faults.errorRate) {
      req.resume();
      sendJson(res, 500, errorBody(`simulated failure in ${ctx.name}`, 'server_error'));
      return;
    }
    await route(req, res, ctx);
  };
}

function healthz(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext): void {
  if (ctx.faults.unhealthy) sendJson(res, 503, { status: 'unhealthy', upstream: ctx.name });
  else sendJson(res, 200, { status: 'ok' });
}

function models(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, modelList(Math.floor(Date.now() / 1000)));
}

async function echo(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  const bodyBytes = await countBodyBytes(req);
  const askedStatus = Number(queryOf(req).get('status') ?? '200');
  const status =
    Number.isInteger(askedStatus) && askedStatus >= 200 && askedStatus <= 599 ? askedStatus : 200;
  sendJson(res, status, {
    upstream: ctx.name,
    method: req.method,
    path: req.url,
    headers: req.headers,
    body_bytes: bodyBytes,
  });
}

async function chatCompletions(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  const parsed = parseCompletionRequest(await readBody(req, maxCompletionBodyBytes));
  if (!parsed.ok) {
    sendJson(res, 400, errorBody(parsed.message, 'invalid_request_error'));
    return;
  }
  const { request } = parsed;
  const envelope = { id: newCompletionId(), model: request.model, createdS: Math.floor(Date.now() / 1000) };
  const tokens = completionTokens(ctx.name, request.maxTokens);
  if (!request.isStream) {
    sendJson(res, 200, completionBody(envelope, request, tokens));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(sseEvent(completionChunk(envelope, { role: 'assistant', content: '' }, null)));
  // One abort for both ends: the client hanging up and the upstream crashing stop the token loop.
  const stop = AbortSignal.any([ctx.signal, closeSignal(res)]);
  try {
    for (const token of tokens) {
      await sleep(ctx.tokenDelayMs, undefined, { signal: stop });
      res.write(sseEvent(completionChunk(envelope, { content: token }, null)));
    }
    res.write(sseEvent(completionChunk(envelope, {}, 'stop')));
    res.end(sseEvent('[DONE]'));
  } catch (error) {
    if (!stop.aborted) throw error;
    res.destroy();
  }
}

function closeSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}
