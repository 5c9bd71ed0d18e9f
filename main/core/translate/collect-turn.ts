import type { ProxyError } from '../errors.js';
import type { StopReason, TurnEvent, TurnUsage } from '../cli/turn-events.js';
import { emptyUsage } from '../cli/turn-events.js';

/** A finished turn, assembled from its events, for non-streaming answers. */
export interface CollectedTurn {
  messageId: string;
  blocks: { kind: 'text' | 'thinking'; text: string; signature: string }[];
  stopReason: StopReason;
  stopSequence: string | null;
  usage: TurnUsage;
}

export class TurnCollector {
  private messageId = '';
  private readonly blocks = new Map<number, CollectedTurn['blocks'][number]>();
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

  private block(index: number) {
    let block = this.blocks.get(index);
    if (!block) {
      block = { kind: 'text', text: '', signature: '' };
      this.blocks.set(index, block);
    }
    return block;
  }
}
