import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliLine } from './cli-events.js';
import { createTurnState, step, type TurnOptions } from './cli-turn.js';
import type { TurnEvent, TurnUsage } from './turn-events.js';
import { lineEvents, transcriptEvents, transcriptLines } from '../../test/helpers/golden.js';

/**
 * Tool calls through the turn reducer, on the tools addendum's recorded runs:
 * the CLI is started with --permission-mode=dontAsk --max-turns=1, so the call
 * is streamed, denied inside the CLI (never run) and the turn ends with
 * `error_max_turns` / `stop_reason: "tool_use"`, which is a finished answer.
 * q3_dontask_mt1* declared their tools with the MCP prefix (mcp__c__…);
 * q3_55_dontask_mt1 with exact names, as the proxy does.
 */

const PLAIN: TurnOptions = { thinking: false, stopSequences: [] };
const usage = (inputTokens: number, outputTokens: number): TurnUsage => ({
  inputTokens,
  outputTokens,
  cacheCreationInputTokens: 0,
  cacheReadInputTokens: 0,
});
/** A call's input goes out in one piece, once its block is complete (cli-turn.ts holds it until then). */
const PARIS_PIECES = ['{"city":"Paris"}'];
const inputs = (index: number, pieces: string[]): TurnEvent[] => pieces.map((json) => ({ type: 'tool_input', index, json }));

/** Each tool call's input, joined from its pieces. */
function toolInputs(events: TurnEvent[]): Map<number, string> {
  const joined = new Map<number, string>();
  for (const event of events) if (event.type === 'tool_input') joined.set(event.index, (joined.get(event.index) ?? '') + event.json);
  return joined;
}

describe('cli-turn: tool calls in recorded runs', () => {
  it('q3_dontask_mt1: one call sent as tool_start + its whole input once complete; the turn ends with tool_use, not an error', () => {
    const events = transcriptEvents('q3_dontask_mt1', PLAIN);
    assert.deepEqual(events, [
      { type: 'start', messageId: 'msg_mock1', usage: usage(12, 1) },
      { type: 'tool_start', index: 0, id: 'toolu_mock1_a', name: 'mcp__c__get_weather' },
      ...inputs(0, PARIS_PIECES),
      { type: 'block_stop', index: 0 },
      { type: 'end', stopReason: 'tool_use', stopSequence: null, usage: usage(12, 7) },
    ]);
    assert.deepEqual(JSON.parse(toolInputs(events).get(0)!), { city: 'Paris' });
    const result = JSON.parse(transcriptLines('q3_dontask_mt1').at(-1)!) as { subtype: string; is_error: boolean };
    assert.deepEqual([result.subtype, result.is_error], ['error_max_turns', true], 'what the CLI said, for the record');
  });

  it('q3_dontask_mt1_parallel: text, then two calls with their own ids, names and inputs', () => {
    const events = transcriptEvents('q3_dontask_mt1_parallel', PLAIN);
    assert.deepEqual(events, [
      { type: 'start', messageId: 'msg_mock1', usage: usage(12, 1) },
      { type: 'block_start', index: 0, block: 'text' },
      ...['Let ', 'me ', 'check ', 'that.'].map((text): TurnEvent => ({ type: 'text', index: 0, text })),
      { type: 'block_stop', index: 0 },
      { type: 'tool_start', index: 1, id: 'toolu_mock1_a', name: 'mcp__c__get_time' },
      ...inputs(1, PARIS_PIECES),
      { type: 'block_stop', index: 1 },
      { type: 'tool_start', index: 2, id: 'toolu_mock1_b', name: 'mcp__c__get_weather' },
      ...inputs(2, ['{"city":"Tokyo"}']),
      { type: 'block_stop', index: 2 },
      { type: 'end', stopReason: 'tool_use', stopSequence: null, usage: usage(12, 7) },
    ]);
    assert.deepEqual(
      [...toolInputs(events)].map(([index, json]) => [index, JSON.parse(json)]),
      [
        [1, { city: 'Paris' }],
        [2, { city: 'Tokyo' }],
      ],
    );
  });

  it('q3_55_dontask_mt1 (5-5 model, exact names): the unasked thinking block is dropped and the call is block 0', () => {
    assert.deepEqual(transcriptEvents('q3_55_dontask_mt1', PLAIN), [
      { type: 'start', messageId: 'msg_mock7', usage: usage(12, 1) },
      { type: 'tool_start', index: 0, id: 'toolu_mock7_a', name: 'get_weather' },
      ...inputs(0, PARIS_PIECES),
      { type: 'block_stop', index: 0 },
      { type: 'end', stopReason: 'tool_use', stopSequence: null, usage: usage(12, 7) },
    ]);
  });

  it('q3_55_dontask_mt1 with thinking asked for: thinking block 0, the call block 1', () => {
    const events = transcriptEvents('q3_55_dontask_mt1', { thinking: true, stopSequences: [] });
    assert.deepEqual(events.slice(1, 6), [
      { type: 'block_start', index: 0, block: 'thinking' },
      { type: 'thinking', index: 0, thinking: 'Let me think.' },
      { type: 'signature', index: 0, signature: 'EqMock==' },
      { type: 'block_stop', index: 0 },
      { type: 'tool_start', index: 1, id: 'toolu_mock7_a', name: 'get_weather' },
    ]);
    assert.deepEqual(events.at(-1), { type: 'end', stopReason: 'tool_use', stopSequence: null, usage: usage(12, 7) });
  });

  it('stop sequences do not apply to tool input', () => {
    const events = transcriptEvents('q3_dontask_mt1', { thinking: false, stopSequences: ['Par'] });
    assert.deepEqual(JSON.parse(toolInputs(events).get(0)!), { city: 'Paris' });
    assert.deepEqual(events.at(-1), { type: 'end', stopReason: 'tool_use', stopSequence: null, usage: usage(12, 7) });
  });
});

describe('cli-turn: tool calls the CLI did not stream', () => {
  const json = (value: unknown) => JSON.stringify(value);
  const assistant = (content: unknown[]) =>
    json({
      type: 'assistant',
      message: {
        id: 'msg_fb',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content,
        usage: { input_tokens: 5, output_tokens: 1 },
      },
    });
  const result = json({
    type: 'result',
    subtype: 'error_max_turns',
    is_error: true,
    stop_reason: 'tool_use',
    terminal_reason: 'max_turns',
    usage: { input_tokens: 5, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });

  it('a tool_use in an assistant line comes out whole: tool_start, its input as one piece, block_stop', () => {
    const events = lineEvents(
      [
        assistant([
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_fb', name: 'get_weather', input: { city: 'Oslo', days: 2 } },
        ]),
        result,
      ],
      PLAIN,
    );
    assert.deepEqual(events, [
      { type: 'start', messageId: 'msg_fb', usage: usage(5, 1) },
      { type: 'block_start', index: 0, block: 'text' },
      { type: 'text', index: 0, text: 'Checking.' },
      { type: 'block_stop', index: 0 },
      { type: 'tool_start', index: 1, id: 'toolu_fb', name: 'get_weather' },
      { type: 'tool_input', index: 1, json: '{"city":"Oslo","days":2}' },
      { type: 'block_stop', index: 1 },
      { type: 'end', stopReason: 'tool_use', stopSequence: null, usage: usage(5, 9) },
    ]);
  });

  it('error_max_turns without a tool call is still a failure', () => {
    const state = createTurnState(PLAIN);
    const noCall = json({
      type: 'result',
      subtype: 'error_max_turns',
      is_error: true,
      stop_reason: 'end_turn',
      result: 'Reached max turns',
    });
    const events = step(state, parseCliLine(noCall)!);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, 'error');
  });
});

describe('cli-turn: a call cut short by an API error', () => {
  const line = (value: unknown) => JSON.stringify(value);
  const stream = (event: unknown, extra: object = {}) => line({ type: 'stream_event', event, ...extra });

  it('is never sent: the retry’s complete call is the only one the client gets', () => {
    const lines = [
      stream({ type: 'message_start', message: { id: 'msg_a', usage: { input_tokens: 5, output_tokens: 1 } } }),
      stream({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_a', name: 'rm', input: {} } }),
      stream({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"path":"/tmp/x' } }),
      stream({ type: 'message_stop' }, { abandoned_blocks: { api_message_id: 'msg_a', from_block_index: 0 } }),
      line({
        type: 'assistant',
        message: { id: 'msg_b', content: [{ type: 'tool_use', id: 'toolu_b', name: 'rm', input: { path: '/tmp/x/y' } }] },
      }),
      line({
        type: 'result',
        subtype: 'error_max_turns',
        is_error: true,
        stop_reason: 'tool_use',
        usage: { input_tokens: 5, output_tokens: 9 },
      }),
    ];
    const events = lineEvents(lines, PLAIN);
    assert.deepEqual(
      events.filter((event) => event.type === 'tool_start' || event.type === 'tool_input'),
      [
        { type: 'tool_start', index: 0, id: 'toolu_b', name: 'rm' },
        { type: 'tool_input', index: 0, json: '{"path":"/tmp/x/y"}' },
      ],
    );
    assert.equal(events.at(-1)?.type, 'end');
  });

  it('a complete call of the abandoned attempt is not sent either: the retry repeats it, and each call goes out once', () => {
    const call = (index: number, id: string, json: string) => [
      stream({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: 'rm', input: {} } }),
      stream({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json } }),
    ];
    const lines = [
      stream({ type: 'message_start', message: { id: 'msg_a', usage: { input_tokens: 5, output_tokens: 1 } } }),
      ...call(0, 'toolu_a1', '{"path":"/a"}'),
      stream({ type: 'content_block_stop', index: 0 }),
      ...call(1, 'toolu_b1', '{"path":"/b'),
      stream({ type: 'message_stop' }, { abandoned_blocks: { api_message_id: 'msg_a', from_block_index: 1 } }),
      stream({ type: 'message_start', message: { id: 'msg_b', usage: { input_tokens: 5, output_tokens: 1 } } }),
      ...call(0, 'toolu_a2', '{"path":"/a"}'),
      stream({ type: 'content_block_stop', index: 0 }),
      ...call(1, 'toolu_b2', '{"path":"/b/c"}'),
      stream({ type: 'content_block_stop', index: 1 }),
      stream({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
      stream({ type: 'message_stop' }),
      line({
        type: 'result',
        subtype: 'error_max_turns',
        is_error: true,
        stop_reason: 'tool_use',
        usage: { input_tokens: 5, output_tokens: 9 },
      }),
    ];
    const starts = lineEvents(lines, PLAIN).filter((event) => event.type === 'tool_start');
    assert.deepEqual(
      starts.map((event) => (event.type === 'tool_start' ? `${event.index}:${event.id}` : '')),
      ['0:toolu_a2', '1:toolu_b2'],
    );
  });
});
