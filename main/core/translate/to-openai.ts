import { openaiErrorBody } from '../errors.js';
import type { CollectedTurn } from './collect-turn.js';
import { sseFrame } from './sse.js';
import type { StopReason, TurnEvent, TurnUsage } from '../cli/turn-events.js';

/** Renders TurnEvents as Chat Completions chunks; thinking is not part of that API and is dropped. */

export interface OpenAIStreamState {
  id: string;
  model: string;
  created: number;
  includeUsage: boolean;
  sentRole: boolean;
  /** Client block index → position in `tool_calls`. */
  toolCalls: Map<number, number>;
}

export function createOpenAIStreamState(id: string, model: string, includeUsage: boolean, now = Date.now()): OpenAIStreamState {
  return { id, model, created: Math.floor(now / 1000), includeUsage, sentRole: false, toolCalls: new Map() };
}

const FINISH: Record<StopReason, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  pause_turn: 'stop',
};

export function openaiUsage(usage: TurnUsage) {
  const cached = usage.cacheReadInputTokens;
  const prompt = usage.inputTokens + usage.cacheCreationInputTokens + cached;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.outputTokens,
    total_tokens: prompt + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: cached },
  };
}

function chunk(state: OpenAIStreamState, delta: object, finishReason: string | null) {
  return {
    id: state.id,
    object: 'chat.completion.chunk',
    created: state.created,
    model: state.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(state.includeUsage ? { usage: null } : {}),
  };
}

export function openaiChunks(state: OpenAIStreamState, event: TurnEvent): string {
  switch (event.type) {
    case 'start':
      state.sentRole = true;
      return sseFrame(chunk(state, { role: 'assistant', content: '', refusal: null }, null));
    case 'text':
      return sseFrame(chunk(state, { content: event.text }, null));
    case 'tool_start': {
      const index = state.toolCalls.size;
      state.toolCalls.set(event.index, index);
      const call = { index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } };
      return sseFrame(chunk(state, { tool_calls: [call] }, null));
    }
    case 'tool_input': {
      const index = state.toolCalls.get(event.index);
      if (index === undefined) return '';
      return sseFrame(chunk(state, { tool_calls: [{ index, function: { arguments: event.json } }] }, null));
    }
    case 'block_start':
    case 'block_stop':
    case 'thinking':
    case 'signature':
      return '';
    case 'end': {
      let out = sseFrame(chunk(state, {}, FINISH[event.stopReason]));
      if (state.includeUsage) {
        out += sseFrame({
          id: state.id,
          object: 'chat.completion.chunk',
          created: state.created,
          model: state.model,
          system_fingerprint: null,
          choices: [],
          usage: openaiUsage(event.usage),
        });
      }
      return out + openaiDone();
    }
    case 'error':
      // The openai SDK turns a data frame carrying `error` into an APIError mid-stream.
      return sseFrame(openaiErrorBody(event.error));
    default: {
      const never: never = event;
      throw new Error(`unhandled turn event ${JSON.stringify(never)}`);
    }
  }
}

export function openaiDone(): string {
  return 'data: [DONE]\n\n';
}

export function openaiCompletion(turn: CollectedTurn, id: string, model: string, now = Date.now()) {
  let text = '';
  const toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  for (const block of turn.blocks) {
    if (block.kind === 'text') text += block.text;
    else if (block.kind === 'tool_use')
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: block.json || '{}' } });
  }
  return {
    id,
    object: 'chat.completion' as const,
    created: Math.floor(now / 1000),
    model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          // As OpenAI answers: no content beside tool calls is null, not "".
          content: toolCalls.length > 0 && text === '' ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: FINISH[turn.stopReason],
      },
    ],
    usage: openaiUsage(turn.usage),
  };
}
