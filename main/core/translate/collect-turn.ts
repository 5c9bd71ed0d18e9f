import type { ProxyError } from '../errors.js';
import type { StopReason, TurnEvent, TurnUsage } from '../cli/turn-events.js';
import { emptyUsage } from '../cli/turn-events.js';

/** A finished turn, assembled from its events, for non-streaming answers. */
export type CollectedBlock =
  | { kind: 'text' | 'thinking'; text: string; signature: string }
  /** `json` is the call's input as the model wrote it. */
  | { kind: 'tool_use'; id: string; name: string; json: string };

export interface CollectedTurn {
  messageId: string;
  blocks: CollectedBlock[];
  stopReason: StopReason;
  stopSequence: string | null;
  usage: TurnUsage;
}

export class TurnCollector {
  private messageId = '';
  private readonly blocks = new Map<number, CollectedBlock>();
  private ending: Pick<CollectedTurn, 'stopReason' | 'stopSequence' | 'usage'> | undefined;
  error: ProxyError | undefined;

  add(event: TurnEvent): void {
    switch (event.type) {
      case 'start':
        this.messageId = event.messageId;
        break;
      case 'block_start':
        this.blocks.set(event.index, { kind: event.block, text: '', signature: '' });
        break;
      case 'tool_start':
        this.blocks.set(event.index, { kind: 'tool_use', id: event.id, name: event.name, json: '' });
        break;
      case 'tool_input': {
        const block = this.blocks.get(event.index);
        if (block?.kind === 'tool_use') block.json += event.json;
        break;
      }
      case 'text':
        this.block(event.index).text += event.text;
        break;
      case 'thinking':
        this.block(event.index).text += event.thinking;
        break;
      case 'signature':
        this.block(event.index).signature += event.signature;
        break;
      case 'block_stop':
        break;
      case 'end':
        this.ending = { stopReason: event.stopReason, stopSequence: event.stopSequence, usage: event.usage };
        break;
      case 'error':
        this.error = event.error;
        break;
      default: {
        const never: never = event;
        throw new Error(`unhandled turn event ${JSON.stringify(never)}`);
      }
    }
  }

  get finished(): boolean {
    return this.ending !== undefined || this.error !== undefined;
  }

  result(): CollectedTurn {
    const ending = this.ending ?? { stopReason: 'end_turn' as const, stopSequence: null, usage: emptyUsage() };
    const blocks = [...this.blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => block);
    return { messageId: this.messageId, blocks, ...ending };
  }

  private block(index: number): Extract<CollectedBlock, { text: string }> {
    const block = this.blocks.get(index);
    if (block && block.kind !== 'tool_use') return block;
    const fresh = { kind: 'text' as const, text: '', signature: '' };
    this.blocks.set(index, fresh);
    return fresh;
  }
}

/** A tool call's input as an object: what the model wrote, or `{}` when it is not a JSON object. */
export function toolInput(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json === '' ? '{}' : json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
