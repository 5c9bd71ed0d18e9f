import { anthropicErrorBody } from '../errors.js';
import { toolInput, type CollectedTurn } from './collect-turn.js';
import { sseFrame } from './sse.js';
import type { TurnEvent, TurnUsage } from '../cli/turn-events.js';

/** Renders TurnEvents as the Messages API's SSE events, in its exact order and shapes. */

function usageBody(usage: TurnUsage) {
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheCreationInputTokens,
    cache_read_input_tokens: usage.cacheReadInputTokens,
    output_tokens: usage.outputTokens,
  };
}

export function anthropicEvent(event: TurnEvent, model: string): string {
  switch (event.type) {
    case 'start':
      return (
        sseFrame(
          {
            type: 'message_start',
            message: {
              id: event.messageId,
              type: 'message',
              role: 'assistant',
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { ...usageBody(event.usage), output_tokens: 1 },
            },
          },
          'message_start',
        ) + anthropicPing()
      );
    case 'block_start':
      return sseFrame(
        {
          type: 'content_block_start',
          index: event.index,
          content_block: event.block === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' },
        },
        'content_block_start',
      );
    case 'tool_start':
      return sseFrame(
        { type: 'content_block_start', index: event.index, content_block: { type: 'tool_use', id: event.id, name: event.name, input: {} } },
        'content_block_start',
      );
    case 'tool_input':
      return sseFrame(
        { type: 'content_block_delta', index: event.index, delta: { type: 'input_json_delta', partial_json: event.json } },
        'content_block_delta',
      );
    case 'text':
      return sseFrame(
        { type: 'content_block_delta', index: event.index, delta: { type: 'text_delta', text: event.text } },
        'content_block_delta',
      );
    case 'thinking':
      return sseFrame(
        { type: 'content_block_delta', index: event.index, delta: { type: 'thinking_delta', thinking: event.thinking } },
        'content_block_delta',
      );
    case 'signature':
      return sseFrame(
        { type: 'content_block_delta', index: event.index, delta: { type: 'signature_delta', signature: event.signature } },
        'content_block_delta',
      );
    case 'block_stop':
      return sseFrame({ type: 'content_block_stop', index: event.index }, 'content_block_stop');
    case 'end':
      return (
        sseFrame(
          {
            type: 'message_delta',
            delta: { stop_reason: event.stopReason, stop_sequence: event.stopSequence },
            usage: usageBody(event.usage),
          },
          'message_delta',
        ) + sseFrame({ type: 'message_stop' }, 'message_stop')
      );
    case 'error':
      return sseFrame(anthropicErrorBody(event.error), 'error');
    default: {
      const never: never = event;
      throw new Error(`unhandled turn event ${JSON.stringify(never)}`);
    }
  }
}

export function anthropicPing(): string {
  return sseFrame({ type: 'ping' }, 'ping');
}

export function anthropicMessage(turn: CollectedTurn, model: string) {
  return {
    id: turn.messageId,
    type: 'message' as const,
    role: 'assistant' as const,
    model,
    content: turn.blocks.map((block) => {
      if (block.kind === 'tool_use') return { type: 'tool_use' as const, id: block.id, name: block.name, input: toolInput(block.json) };
      return block.kind === 'text'
        ? { type: 'text' as const, text: block.text }
        : { type: 'thinking' as const, thinking: block.text, signature: block.signature };
    }),
    stop_reason: turn.stopReason,
    stop_sequence: turn.stopSequence,
    usage: usageBody(turn.usage),
  };
}
