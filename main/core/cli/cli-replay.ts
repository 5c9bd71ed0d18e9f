import { ProxyError } from '../errors.js';
import type { CliEvent } from './cli-events.js';
import { assistantLine, type ReplayStep } from './cli-input.js';

/**
 * Writes a conversation to the CLI one acknowledged user turn at a time (see
 * cli-input.ts for why), and tells the runner which lines were the CLI's
 * acknowledgements rather than part of the answer. It also checks, on every
 * `system/init`, that the CLI offers every declared tool: a CLI that dropped
 * them would let the model answer as if it had none.
 */

export type Writer = (lines: string[], end: boolean) => void;

export class ConversationWriter {
  private next = 0;
  private awaitingAck = false;
  private model: string;

  constructor(
    private readonly steps: readonly ReplayStep[],
    private readonly write: Writer,
    fallbackModel: string,
    private readonly toolNames: readonly string[],
  ) {
    this.model = fallbackModel;
  }

  /** Writes `first` (the initialize line) and the turns up to the first acknowledgement. */
  start(first: string): void {
    this.pump([first]);
  }

  /**
   * Looks at a line from the CLI: `consumed` when it was a replay
   * acknowledgement; throws when the CLI did not offer the declared tools.
   */
  observe(event: CliEvent): 'consumed' | 'answer' {
    if (event.type === 'system' && event.subtype === 'init') {
      if (event.model) this.model = event.model;
      this.checkTools(event.tools);
    }
    if (!this.awaitingAck) return 'answer';
    if (event.type === 'result' && !event.is_error) {
      this.awaitingAck = false;
      this.pump([]);
      return 'consumed';
    }
    // A failed acknowledgement is the turn's failure: the reducer reports it.
    return event.type === 'result' ? 'answer' : 'consumed';
  }

  private pump(lines: string[]): void {
    while (this.next < this.steps.length) {
      const step = this.steps[this.next++]!;
      if (step.role === 'assistant') {
        lines.push(assistantLine(step.content, this.model));
        continue;
      }
      lines.push(step.line);
      if (step.query) {
        this.write(lines, true);
        return;
      }
      this.awaitingAck = true;
      this.write(lines, false);
      return;
    }
    if (lines.length > 0) this.write(lines, true);
  }

  private checkTools(offered: readonly string[] | undefined): void {
    if (this.toolNames.length === 0) return;
    const have = new Set(offered ?? []);
    const missing = this.toolNames.filter((name) => !have.has(name));
    if (missing.length === 0) return;
    throw new ProxyError('cli_error', `The Claude CLI did not offer the declared tools: ${missing.slice(0, 8).join(', ')}`, {
      code: 'tools_not_offered',
      details: { missing: missing.slice(0, 32) },
    });
  }
}
