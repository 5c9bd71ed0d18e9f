import { reasoningFromThinking } from '../api/responses-reasoning.js';
import type { StopReason, TurnUsage } from '../cli/turn-events.js';
import type { ProxyError } from '../errors.js';
import type { CollectedBlock, CollectedTurn } from './collect-turn.js';

/**
 * OpenAI's `response` object and its output items, built from a turn. One
 * client block is one output item, in order: text a `message`, thinking a
 * `reasoning` item, a tool call a `function_call` whose `call_id` is the
 * tool_use id. Item ids derive from the response id and the block's place, so
 * the streamed items and the final object name the same items.
 */

/** What every rendering of one response shares. */
export interface ResponseContext {
  id: string;
  createdAt: number;
  model: string;
  /** The request's settings, echoed as OpenAI does. */
  echo: Record<string, unknown>;
  encryptedReasoning: boolean;
  reasoningSummary: boolean;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';
type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export function responseUsage(usage: TurnUsage) {
  const cached = usage.cacheReadInputTokens;
  const input = usage.inputTokens + usage.cacheCreationInputTokens + cached;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + usage.outputTokens,
  };
}

export function itemIdFor(context: ResponseContext, kind: CollectedBlock['kind'], position: number): string {
  const prefix = kind === 'text' ? 'msg' : kind === 'thinking' ? 'rs' : 'fc';
  return `${prefix}_${context.id.slice('resp_'.length)}${position}`;
}

export function outputText(text: string) {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function messageItem(id: string, text: string | undefined, status: ItemStatus) {
  return { type: 'message', id, role: 'assistant', status, content: text === undefined ? [] : [outputText(text)] };
}

export function reasoningItem(context: ResponseContext, id: string, block: { text: string; signature: string } | undefined) {
  const summary = block && context.reasoningSummary ? [{ type: 'summary_text', text: block.text }] : [];
  const encrypted =
    block && context.encryptedReasoning && block.signature ? { encrypted_content: reasoningFromThinking(block.text, block.signature) } : {};
  return { type: 'reasoning', id, summary, ...encrypted };
}

export function functionCallItem(id: string, callId: string, name: string, args: string, status: ItemStatus) {
  return { type: 'function_call', id, call_id: callId, name, arguments: args, status };
}

export function outputItem(context: ResponseContext, block: CollectedBlock, position: number, status: ItemStatus) {
  const id = itemIdFor(context, block.kind, position);
  switch (block.kind) {
    case 'text':
      return messageItem(id, block.text, status);
    case 'thinking':
      return reasoningItem(context, id, block);
    case 'tool_use':
      return functionCallItem(id, block.id, block.name, block.json || '{}', status);
  }
}

export function outputItems(context: ResponseContext, blocks: CollectedBlock[], status: ResponseStatus) {
  return blocks.map((block, position) =>
    outputItem(context, block, position, status === 'incomplete' && position === blocks.length - 1 ? 'incomplete' : 'completed'),
  );
}

export function statusOf(stopReason: StopReason): ResponseStatus {
  return stopReason === 'max_tokens' ? 'incomplete' : 'completed';
}

export interface ResponseState {
  status: ResponseStatus;
  output: unknown[];
  usage?: TurnUsage | undefined;
  error?: ProxyError | undefined;
  completedAt?: number | undefined;
}

export function responseObject(context: ResponseContext, state: ResponseState) {
  return {
    id: context.id,
    object: 'response',
    created_at: context.createdAt,
    status: state.status,
    completed_at: state.completedAt ?? null,
    error: state.error ? { code: 'server_error', message: state.error.message } : null,
    incomplete_details: state.status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    model: context.model,
    output: state.output,
    usage: state.usage ? responseUsage(state.usage) : null,
    ...context.echo,
  };
}

/** The whole answer, for a request that did not stream. */
export function responseFromTurn(context: ResponseContext, turn: CollectedTurn, now = Date.now()) {
  const status = statusOf(turn.stopReason);
  return responseObject(context, {
    status,
    output: outputItems(context, turn.blocks, status),
    usage: turn.usage,
    completedAt: Math.floor(now / 1000),
  });
}
