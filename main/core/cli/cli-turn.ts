import { randomUUID } from 'node:crypto';
import type { CliEvent, CliResult, CliStreamEvent, CliUsage } from './cli-events.js';
import { isMaxTokensFailure, mapCliFailure } from './cli-errors.js';
import { scanForStop } from './stop-sequences.js';
import { emptyUsage, type StopReason, type TurnEvent, type TurnUsage } from './turn-events.js';

/**
 * Folds the CLI's stream-json lines for one turn into dialect-free TurnEvents.
 * A pure reducer over explicit state (`step(state, line)`), so it is tested
 * with recorded transcripts. It deals with the CLI's quirks in one place:
 * - thinking blocks arrive even when not asked for (5-5 models): suppressed;
 * - an API error mid-stream abandons the streamed blocks and the retry repeats
 *   the text already sent, often as one `assistant` line: the repeat is cut;
 * - `assistant` lines duplicate streamed blocks: only unseen messages count;
 * - stop sequences and the output cap end the turn here, not in the CLI;
 * - a tool call ends the turn with `error_max_turns` (nothing is run inside
 *   the CLI): that is a successful `tool_use` answer.
 */

export interface TurnOptions {
  thinking: boolean;
  stopSequences: readonly string[];
  /** The client's name for a tool the CLI named (see tool-names.ts); the same name by default. */
  toolName?: (cliName: string) => string;
  now?: () => number;
}

type BlockKind = 'text' | 'thinking' | 'tool_use';

interface OpenBlock {
  /** The client's block index (a tool call gets its own when it is sent). */
  client: number;
  kind: BlockKind;
  /** Text sent in this block (a tool call: its input so far), so a retry that repeats it can be recognised. */
  sent: string;
  /** A tool call's id and the client's name for the tool. */
  call?: { id: string; name: string };
}

export interface TurnState {
  readonly options: TurnOptions;
  started: boolean;
  done: boolean;
  messageId: string | undefined;
  usage: TurnUsage;
  streamedMessages: Set<string>;
  /** CLI block index (of the message being streamed) → client block. */
  blocks: Map<number, OpenBlock>;
  suppressed: Set<number>;
  nextIndex: number;
  /** Blocks whose CLI `content_block_stop` came but may still be abandoned by the next line. */
  closing: OpenBlock[];
  /** Complete tool calls of the message being streamed, sent when it ends (an abandoned attempt's are dropped). */
  heldCalls: OpenBlock[];
  /** A text block kept open after an abandoned attempt, for the retry to continue. */
  resumable: OpenBlock | undefined;
  /** Abandoned text the retry is expected to repeat. */
  skip: string;
  held: string;
  sentDeltas: number;
  stopReason: string | undefined;
  assistantError: string | undefined;
  resetsAt: number | undefined;
  /** The CLI's last `api_retry` delay: how soon it thought the API was worth asking again. */
  retryDelayMs: number | undefined;
  sawThinking: boolean;
}

export function createTurnState(options: TurnOptions): TurnState {
  return {
    options,
    started: false,
    done: false,
    messageId: undefined,
    usage: emptyUsage(),
    streamedMessages: new Set(),
    blocks: new Map(),
    suppressed: new Set(),
    nextIndex: 0,
    closing: [],
    heldCalls: [],
    resumable: undefined,
    skip: '',
    held: '',
    sentDeltas: 0,
    stopReason: undefined,
    assistantError: undefined,
    resetsAt: undefined,
    retryDelayMs: undefined,
    sawThinking: false,
  };
}

export function toUsage(usage: CliUsage | undefined, fallback: TurnUsage = emptyUsage()): TurnUsage {
  return {
    inputTokens: usage?.input_tokens ?? fallback.inputTokens,
    outputTokens: usage?.output_tokens ?? fallback.outputTokens,
    cacheCreationInputTokens: usage?.cache_creation_input_tokens ?? fallback.cacheCreationInputTokens,
    cacheReadInputTokens: usage?.cache_read_input_tokens ?? fallback.cacheReadInputTokens,
  };
}

export function step(state: TurnState, line: CliEvent): TurnEvent[] {
  if (state.done) return [];
  const out: TurnEvent[] = [];
  const abandoning = line.type === 'stream_event' && line.event.type === 'message_stop' && line.abandoned_blocks !== undefined;
  if (!abandoning) flushClosing(state, out);
  switch (line.type) {
    case 'stream_event':
      onStreamEvent(state, line.event, abandoning, out);
      break;
    case 'assistant':
      if (line.error !== undefined) state.assistantError = line.error;
      else if (!state.streamedMessages.has(line.message.id) && line.message.model !== '<synthetic>') {
        onUnstreamedMessage(state, line.message, out);
      }
      break;
    case 'rate_limit_event':
      if (line.rate_limit_info.status === 'rejected') state.resetsAt = line.rate_limit_info.resetsAt;
      break;
    case 'system':
      if (line.subtype === 'api_retry' && line.retry_delay_ms !== undefined) state.retryDelayMs = line.retry_delay_ms;
      break;
    case 'result':
      onResult(state, line, out);
      break;
    default:
      break;
  }
  return out;
}

function ensureStarted(state: TurnState, id: string | undefined, usage: CliUsage | undefined, out: TurnEvent[]): void {
  if (state.started) return;
  state.started = true;
  state.messageId = id ?? `msg_${randomUUID().replaceAll('-', '')}`;
  state.usage = toUsage(usage);
  out.push({ type: 'start', messageId: state.messageId, usage: { ...state.usage } });
}

function onStreamEvent(state: TurnState, event: CliStreamEvent, abandoning: boolean, out: TurnEvent[]): void {
  switch (event.type) {
    case 'message_start':
      state.streamedMessages.add(event.message.id);
      state.blocks.clear();
      state.suppressed.clear();
      ensureStarted(state, event.message.id, event.message.usage, out);
      break;
    case 'content_block_start': {
      const block = event.content_block;
      if (block.type === 'tool_use') {
        state.blocks.set(event.index, openToolBlock(state, block.id ?? `toolu_${randomUUID().replaceAll('-', '')}`, block.name ?? ''));
        break;
      }
      const kind = block.type;
      if ((kind !== 'text' && kind !== 'thinking') || (kind === 'thinking' && !state.options.thinking)) {
        state.suppressed.add(event.index);
        break;
      }
      state.blocks.set(event.index, openBlock(state, kind, out));
      break;
    }
    case 'content_block_delta': {
      const block = state.blocks.get(event.index);
      if (!block || state.suppressed.has(event.index)) break;
      const { delta } = event;
      if (delta.type === 'text_delta' && delta.text !== undefined) sendText(state, block, delta.text, out);
      else if (delta.type === 'input_json_delta' && delta.partial_json) sendJson(block, delta.partial_json);
      else if (delta.type === 'thinking_delta' && delta.thinking !== undefined) {
        out.push({ type: 'thinking', index: block.client, thinking: delta.thinking });
      } else if (delta.type === 'signature_delta' && delta.signature !== undefined) {
        out.push({ type: 'signature', index: block.client, signature: delta.signature });
      }
      break;
    }
    case 'content_block_stop': {
      const block = state.blocks.get(event.index);
      state.blocks.delete(event.index);
      if (block) state.closing.push(block);
      break;
    }
    case 'message_delta':
      // The message is complete: its calls cannot be abandoned any more.
      releaseCalls(state, out);
      if (event.delta.stop_reason) state.stopReason = event.delta.stop_reason;
      if (event.usage?.output_tokens !== undefined) state.usage.outputTokens = event.usage.output_tokens;
      // The CLI would auto-continue past the cap; the client asked for a cap, so the turn ends here.
      if (event.delta.stop_reason === 'max_tokens') finish(state, 'max_tokens', null, state.usage, out);
      break;
    case 'message_stop':
      if (abandoning) abandon(state, out);
      else releaseCalls(state, out);
      break;
  }
}

function openBlock(state: TurnState, kind: 'text' | 'thinking', out: TurnEvent[]): OpenBlock {
  if (kind === 'text' && state.resumable) {
    const block = state.resumable;
    state.resumable = undefined;
    return block;
  }
  if (kind === 'thinking') state.sawThinking = true;
  const block: OpenBlock = { client: state.nextIndex++, kind, sent: '' };
  out.push({ type: 'block_start', index: block.client, block: kind });
  return block;
}

/**
 * A tool call is held until its message is complete (an API error mid-message
 * makes the CLI retry the whole message, calls included): a client must never
 * run a call whose input was cut short, nor one call twice. The message ends
 * within milliseconds of its last call's input, so holding costs little; each
 * input goes out in one piece. A text block after a call in the same message
 * is sent before the call.
 */
function openToolBlock(state: TurnState, id: string, cliName: string): OpenBlock {
  const name = state.options.toolName ? state.options.toolName(cliName) : cliName;
  return { client: -1, kind: 'tool_use', sent: '', call: { id, name } };
}

function sendJson(block: OpenBlock, json: string): void {
  if (block.kind === 'tool_use') block.sent += json;
}

function closeBlock(state: TurnState, block: OpenBlock, out: TurnEvent[]): void {
  if (block.call) {
    block.client = state.nextIndex++;
    out.push({ type: 'tool_start', index: block.client, id: block.call.id, name: block.call.name });
    if (block.sent) out.push({ type: 'tool_input', index: block.client, json: block.sent });
  }
  if (block.kind === 'text' && state.held) {
    out.push({ type: 'text', index: block.client, text: state.held });
    state.held = '';
  }
  out.push({ type: 'block_stop', index: block.client });
}

function flushClosing(state: TurnState, out: TurnEvent[]): void {
  for (const block of state.closing) {
    if (block.kind === 'tool_use') state.heldCalls.push(block);
    else closeBlock(state, block, out);
  }
  state.closing = [];
}

/** Sends the message's complete calls (see openToolBlock). */
function releaseCalls(state: TurnState, out: TurnEvent[]): void {
  for (const block of state.heldCalls) closeBlock(state, block, out);
  state.heldCalls = [];
}

/** The attempt failed mid-stream; keep the last text block open so the retry can continue it. */
function abandon(state: TurnState, out: TurnEvent[]): void {
  // The retry repeats the whole message, its complete calls too: the ones held are dropped.
  state.heldCalls = [];
  const closing = [...state.closing, ...state.blocks.values()];
  state.closing = [];
  state.blocks.clear();
  const lastText = closing.filter((block) => block.kind === 'text').at(-1);
  // Tool calls of the abandoned attempt were never sent: they are dropped, and the retry's are sent.
  for (const block of closing) if (block !== lastText && block.kind !== 'tool_use') closeBlock(state, block, out);
  if (lastText) {
    state.resumable = lastText;
    state.skip = lastText.sent + state.held;
  }
}

/** Drops the part of a retry that repeats what the client already has. */
function dedupe(state: TurnState, text: string): string {
  if (!state.skip) return text;
  if (text.startsWith(state.skip)) {
    const rest = text.slice(state.skip.length);
    state.skip = '';
    return rest;
  }
  if (state.skip.startsWith(text)) {
    state.skip = state.skip.slice(text.length);
    return '';
  }
  state.skip = '';
  return text;
}

function sendText(state: TurnState, block: OpenBlock, raw: string, out: TurnEvent[]): void {
  const text = dedupe(state, raw);
  if (!text) return;
  const scan = scanForStop(state.held, text, state.options.stopSequences);
  state.held = scan.held;
  if (scan.emit) {
    block.sent += scan.emit;
    state.sentDeltas++;
    out.push({ type: 'text', index: block.client, text: scan.emit });
  }
  if (scan.matched !== undefined) {
    const usage = { ...state.usage, outputTokens: Math.max(state.usage.outputTokens, state.sentDeltas) };
    out.push({ type: 'block_stop', index: block.client });
    state.blocks.clear();
    state.resumable = undefined;
    finish(state, 'stop_sequence', scan.matched, usage, out);
  }
}

/** A message the CLI did not stream (a retry after a mid-stream error, or a model fallback). */
function onUnstreamedMessage(
  state: TurnState,
  message: {
    id: string;
    content: { type: string; text?: string; thinking?: string; signature?: string; id?: string; name?: string; input?: unknown }[];
    usage?: CliUsage;
  },
  out: TurnEvent[],
): void {
  ensureStarted(state, message.id, message.usage, out);
  for (const part of message.content) {
    if (state.done) return;
    if (part.type === 'thinking' && state.options.thinking && !state.sawThinking && part.thinking !== undefined) {
      const block = openBlock(state, 'thinking', out);
      out.push({ type: 'thinking', index: block.client, thinking: part.thinking });
      if (part.signature) out.push({ type: 'signature', index: block.client, signature: part.signature });
      closeBlock(state, block, out);
    } else if (part.type === 'text' && part.text !== undefined) {
      const block = openBlock(state, 'text', out);
      sendText(state, block, part.text, out);
      if (!state.done) closeBlock(state, block, out);
    } else if (part.type === 'tool_use') {
      const block = openToolBlock(state, part.id ?? `toolu_${randomUUID().replaceAll('-', '')}`, part.name ?? '');
      sendJson(block, JSON.stringify(part.input ?? {}));
      closeBlock(state, block, out);
    }
  }
}

/** The turn stopped at a tool call (`--max-turns=1`, the call denied, not run): a complete answer. */
function endedAtToolCall(state: TurnState, result: CliResult): boolean {
  return result.subtype === 'error_max_turns' && (state.stopReason === 'tool_use' || result.stop_reason === 'tool_use');
}

function onResult(state: TurnState, result: CliResult, out: TurnEvent[]): void {
  const toolCall = endedAtToolCall(state, result);
  const failed = !toolCall && (result.is_error || result.subtype !== 'success');
  if (failed && !isMaxTokensFailure(result, state.assistantError)) {
    state.done = true;
    const now = (state.options.now ?? Date.now)();
    out.push({
      type: 'error',
      error: mapCliFailure({
        result,
        assistantError: state.assistantError,
        resetsAt: state.resetsAt,
        retryDelayMs: state.retryDelayMs,
        now,
      }),
    });
    return;
  }
  ensureStarted(state, undefined, result.usage, out);
  releaseCalls(state, out);
  if (state.resumable) closeBlock(state, state.resumable, out);
  for (const block of state.blocks.values()) closeBlock(state, block, out);
  state.blocks.clear();
  state.resumable = undefined;
  const reason = failed ? 'max_tokens' : (state.stopReason ?? result.stop_reason ?? 'end_turn');
  finish(state, normaliseStopReason(reason), null, toUsage(result.usage, state.usage), out);
}

function finish(state: TurnState, stopReason: StopReason, stopSequence: string | null, usage: TurnUsage, out: TurnEvent[]): void {
  releaseCalls(state, out);
  if (stopReason === 'max_tokens') {
    for (const block of [...state.closing, ...state.blocks.values()]) closeBlock(state, block, out);
    if (state.resumable) closeBlock(state, state.resumable, out);
    state.closing = [];
    state.blocks.clear();
    state.resumable = undefined;
  }
  state.done = true;
  out.push({ type: 'end', stopReason, stopSequence, usage: { ...usage } });
}

const STOP_REASONS = new Set<string>(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'refusal', 'pause_turn']);

function normaliseStopReason(reason: string): StopReason {
  return STOP_REASONS.has(reason) ? (reason as StopReason) : 'end_turn';
}
