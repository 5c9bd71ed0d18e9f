import type { ProxyError } from '../errors.js';

/**
 * A CLI turn reduced to what any API dialect needs. Block indexes are the
 * client's (suppressed blocks removed, retries folded in), so renderers can
 * forward them as they are.
 */

export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal' | 'pause_turn';

export type TurnEvent =
  | { type: 'start'; messageId: string; usage: TurnUsage }
  | { type: 'block_start'; index: number; block: 'text' | 'thinking' }
  /** A tool call: its id and the client's tool name, then its input JSON in pieces (`tool_input`). */
  | { type: 'tool_start'; index: number; id: string; name: string }
  | { type: 'tool_input'; index: number; json: string }
  | { type: 'text'; index: number; text: string }
  | { type: 'thinking'; index: number; thinking: string }
  | { type: 'signature'; index: number; signature: string }
  | { type: 'block_stop'; index: number }
  | { type: 'end'; stopReason: StopReason; stopSequence: string | null; usage: TurnUsage }
  | { type: 'error'; error: ProxyError };

export function emptyUsage(): TurnUsage {
  return { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
}
