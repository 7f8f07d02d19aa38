import { randomBytes } from 'node:crypto';

/** OpenAI-compatible wire shapes, just enough for clients (SDKs, curl) to accept the simulated upstream. */

export const simulatedModel = 'bulwark-sim-1';

export interface CompletionRequest {
  readonly model: string;
  readonly isStream: boolean;
  readonly promptTokens: number;
  readonly maxTokens: number | undefined;
}

export type ParseResult =
  | { readonly ok: true; readonly request: CompletionRequest }
  | { readonly ok: false; readonly message: string };

export function parseCompletionRequest(body: string): ParseResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, message: 'request body is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null)
    return { ok: false, message: 'request body must be a JSON object' };
  const fields = parsed as Record<string, unknown>;
  if (!Array.isArray(fields['messages'])) return { ok: false, message: "'messages' must be an array" };
  const maxTokens = fields['max_tokens'] ?? fields['max_completion_tokens'];
  return {
    ok: true,
    request: {
      model: typeof fields['model'] === 'string' ? fields['model'] : simulatedModel,
      isStream: fields['stream'] === true,
      // A rough count is enough: usage only needs to look plausible.
      promptTokens: JSON.stringify(fields['messages']).split(/\s+/).length,
      maxTokens: typeof maxTokens === 'number' && maxTokens > 0 ? Math.floor(maxTokens) : undefined,
    },
  };
}

/** The reply names the upstream so a person watching the demo sees which backend answered. */
export function completionTokens(upstreamName: string, maxTokens: number | undefined): string[] {
  const words =
    `Hello from ${upstreamName}. This answer was streamed through Bulwark, one token at a time.`.split(' ');
  const tokens = words.map((word, i) => (i === 0 ? word : ` ${word}`));
  return maxTokens === undefined ? tokens : tokens.slice(0, maxTokens);
}

export function newCompletionId(): string {
  return `chatcmpl-${randomBytes(12).toString('hex')}`;
}

interface Envelope {
  readonly id: string;
  readonly model: string;
  readonly createdS: number;
}

export function completionBody(
  envelope: Envelope,
  request: CompletionRequest,
  tokens: readonly string[],
): object {
  return {
    id: envelope.id,
    object: 'chat.completion',
    created: envelope.createdS,
    model: envelope.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: tokens.join('') },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: request.promptTokens,
      completion_tokens: tokens.length,
      total_tokens: request.promptTokens + tokens.length,
    },
  };
}

/** One chunk per token; the first carries the role and the last the finish reason, as OpenAI sends them. */
export function completionChunk(envelope: Envelope, delta: object, finishReason: 'stop' | null): object {
  return {
    id: envelope.id,
    object: 'chat.completion.chunk',
    created: envelope.createdS,
    model: envelope.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export function sseEvent(data: object | '[DONE]'): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export type OpenAiErrorType = 'server_error' | 'invalid_request_error' | 'not_found_error';

export function errorBody(message: string, type: OpenAiErrorType): object {
  return { error: { message, type, param: null, code: null } };
}

export function modelList(createdS: number): object {
  return {
    object: 'list',
    data: [{ id: simulatedModel, object: 'model', created: createdS, owned_by: 'bulwark-demo' }],
  };
}
