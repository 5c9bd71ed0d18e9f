import type { TurnEvent } from '../cli/turn-events.js';
import { TurnCollector, type CollectedBlock, type CollectedTurn } from './collect-turn.js';
import { sseFrame } from './sse.js';
import {
  functionCallItem,
  itemIdFor,
  messageItem,
  outputItem,
  outputItems,
  outputText,
  reasoningItem,
  responseObject,
  statusOf,
  type ResponseContext,
} from './to-responses.js';

/**
 * Renders TurnEvents as the Responses API's typed SSE events, each with its
 * `sequence_number`, in the order the openai SDK's ResponseStream assembles:
 * response.created and .in_progress; per item output_item.added, its parts
 * and deltas, then their .done events and output_item.done; finally
 * response.completed (.incomplete at the output cap, .failed on an error).
 * A collector beside it keeps the whole turn, for the final object and the store.
 */

interface OpenItem {
  position: number;
  kind: CollectedBlock['kind'];
  id: string;
}

export class ResponsesStream {
  private sequence = 0;
  private readonly collector = new TurnCollector();
  private readonly open = new Map<number, OpenItem>();
  private positions = 0;
  /** The finished response object, once the turn ended (completed, incomplete or failed). */
  final: Record<string, unknown> | undefined;
  /** The collected turn, once it ended without an error. */
  turn: CollectedTurn | undefined;

  constructor(
    private readonly context: ResponseContext,
    private readonly now: () => number = Date.now,
  ) {}

  event(event: TurnEvent): string {
    this.collector.add(event);
    switch (event.type) {
      case 'start': {
        const response = responseObject(this.context, { status: 'in_progress', output: [] });
        return this.frame('response.created', { response }) + this.frame('response.in_progress', { response });
      }
      case 'block_start': {
        const item = this.openItem(event.index, event.block);
        if (event.block === 'text') {
          return (
            this.frame('response.output_item.added', {
              output_index: item.position,
              item: messageItem(item.id, undefined, 'in_progress'),
            }) + this.frame('response.content_part.added', { ...this.at(item), content_index: 0, part: outputText('') })
          );
        }
        let out = this.frame('response.output_item.added', {
          output_index: item.position,
          item: reasoningItem(this.context, item.id, undefined),
        });
        if (this.context.reasoningSummary) {
          out += this.frame('response.reasoning_summary_part.added', { ...this.at(item), summary_index: 0, part: summaryText('') });
        }
        return out;
      }
      case 'tool_start': {
        const item = this.openItem(event.index, 'tool_use');
        return this.frame('response.output_item.added', {
          output_index: item.position,
          item: functionCallItem(item.id, event.id, event.name, '', 'in_progress'),
        });
      }
      case 'tool_input': {
        const item = this.open.get(event.index);
        return item ? this.frame('response.function_call_arguments.delta', { ...this.at(item), delta: event.json }) : '';
      }
      case 'text': {
        const item = this.open.get(event.index);
        if (!item || item.kind !== 'text') return '';
        return this.frame('response.output_text.delta', { ...this.at(item), content_index: 0, delta: event.text, logprobs: [] });
      }
      case 'thinking': {
        const item = this.open.get(event.index);
        if (!item || !this.context.reasoningSummary) return '';
        return this.frame('response.reasoning_summary_text.delta', { ...this.at(item), summary_index: 0, delta: event.thinking });
      }
      case 'signature':
        return '';
      case 'block_stop':
        return this.closeItem(event.index, 'completed');
      case 'end': {
        const status = statusOf(event.stopReason);
        // A block cut by the output cap may still be open: close it first, as OpenAI does.
        let out = [...this.open.keys()].map((index) => this.closeItem(index, 'incomplete')).join('');
        const turn = this.collector.result();
        this.turn = turn;
        this.final = responseObject(this.context, {
          status,
          output: outputItems(this.context, turn.blocks, status),
          usage: event.usage,
          completedAt: Math.floor(this.now() / 1000),
        });
        out += this.frame(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: this.final });
        return out;
      }
      case 'error': {
        const turn = this.collector.result();
        this.final = responseObject(this.context, {
          status: 'failed',
          output: outputItems(this.context, turn.blocks, 'incomplete'),
          error: event.error,
        });
        return this.frame('response.failed', { response: this.final });
      }
      default: {
        const never: never = event;
        throw new Error(`unhandled turn event ${JSON.stringify(never)}`);
      }
    }
  }

  private frame(type: string, body: object): string {
    return sseFrame({ type, sequence_number: this.sequence++, ...body }, type);
  }

  private at(item: OpenItem) {
    return { item_id: item.id, output_index: item.position };
  }

  private openItem(index: number, kind: OpenItem['kind']): OpenItem {
    const position = this.positions++;
    const item = { position, kind, id: itemIdFor(this.context, kind, position) };
    this.open.set(index, item);
    return item;
  }

  private closeItem(index: number, status: 'completed' | 'incomplete'): string {
    const item = this.open.get(index);
    if (!item) return '';
    this.open.delete(index);
    const block = this.collector.result().blocks.find((_, i) => i === item.position);
    if (!block) return '';
    const done = outputItem(this.context, block, item.position, status);
    const at = this.at(item);
    let out = '';
    if (block.kind === 'text') {
      out += this.frame('response.output_text.done', { ...at, content_index: 0, text: block.text, logprobs: [] });
      out += this.frame('response.content_part.done', { ...at, content_index: 0, part: outputText(block.text) });
    } else if (block.kind === 'thinking' && this.context.reasoningSummary) {
      out += this.frame('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: block.text });
      out += this.frame('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: summaryText(block.text) });
    } else if (block.kind === 'tool_use') {
      out += this.frame('response.function_call_arguments.done', { ...at, name: block.name, arguments: block.json || '{}' });
    }
    return out + this.frame('response.output_item.done', { output_index: item.position, item: done });
  }
}

function summaryText(text: string) {
  return { type: 'summary_text', text };
}
