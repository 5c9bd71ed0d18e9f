import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliLine } from './cli-events.js';
import { ProxyError } from '../errors.js';
import { createTurnState, step, type TurnOptions } from './cli-turn.js';
import type { TurnEvent, TurnUsage } from './turn-events.js';
import { lineEvents, transcriptEvents, transcriptLines } from '../../test/helpers/golden.js';

const PLAIN: TurnOptions = { thinking: false, stopSequences: [] };

const usage = (inputTokens: number, outputTokens: number): TurnUsage => ({
  inputTokens,
  outputTokens,
  cacheCreationInputTokens: 0,
  cacheReadInputTokens: 0,
});

const texts = (index: number, ...parts: string[]): TurnEvent[] => parts.map((text) => ({ type: 'text', index, text }));

function textOf(events: TurnEvent[]): string {
  return events.map((event) => (event.type === 'text' ? event.text : '')).join('');
}

function onlyError(events: TurnEvent[]): ProxyError {
  assert.equal(events.length, 1, `exactly one event: ${JSON.stringify(events.map((e) => e.type))}`);
  const [event] = events;
  assert.ok(event?.type === 'error');
  assert.ok(event.error instanceof ProxyError);
  return event.error;
}

// Synthetic stream-json lines, in the shapes the transcripts show.
const json = (value: unknown) => JSON.stringify(value);
const streamEvent = (event: unknown, extra: object = {}) => json({ type: 'stream_event', event, session_id: 's', uuid: 'u', ...extra });
const messageStart = (id: string) =>
  streamEvent({
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      usage: { input_tokens: 5, output_tokens: 1 },
    },
  });
const blockStart = (index: number, type = 'text') =>
  streamEvent({
    type: 'content_block_start',
    index,
    content_block: type === 'text' ? { type, text: '' } : { type, id: 't', name: 'n', input: {} },
  });
const textDelta = (index: number, text: string) => streamEvent({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
const blockStop = (index: number) => streamEvent({ type: 'content_block_stop', index });
const messageDelta = (stopReason: string, outputTokens: number) =>
  streamEvent({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
const messageStop = (abandoned?: string) =>
  streamEvent({ type: 'message_stop' }, abandoned ? { abandoned_blocks: { api_message_id: abandoned, from_block_index: 0 } } : {});
const assistant = (id: string, content: unknown[], extra: object = {}) =>
  json({
    type: 'assistant',
    message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content, usage: { input_tokens: 5, output_tokens: 1 } },
    ...extra,
  });
const result = (extra: object = {}) =>
  json({
    type: 'result',
    subtype: 'success',
    is_error: false,
    result: 'whatever',
    stop_reason: 'end_turn',
    usage: { input_tokens: 5, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    ...extra,
  });

/** A streamed message with one text block made of `deltas`, ending normally. */
function streamedText(deltas: string[]): string[] {
  return [
    messageStart('msg_1'),
    blockStart(0),
    ...deltas.map((text) => textDelta(0, text)),
    blockStop(0),
    messageDelta('end_turn', 9),
    messageStop(),
    result(),
  ];
}

describe('cli-turn on real transcripts', () => {
  const mockText = ['Hello', ' from', ' the', ' mock', ' API', '.'];

  it('mock_basic: one text block, deltas as streamed, final usage from the result', () => {
    assert.deepEqual(transcriptEvents('mock_basic', PLAIN), [
      { type: 'start', messageId: 'msg_mock0002', usage: usage(12, 1) },
      { type: 'block_start', index: 0, block: 'text' },
      ...texts(0, ...mockText),
      { type: 'block_stop', index: 0 },
      { type: 'end', stopReason: 'end_turn', stopSequence: null, usage: usage(12, 7) },
    ]);
  });

  it('mock_thinking without thinking: the thinking block is suppressed and text is block 0', () => {
    assert.deepEqual(transcriptEvents('mock_thinking', PLAIN), [
      { type: 'start', messageId: 'msg_mock0004', usage: usage(12, 1) },
      { type: 'block_start', index: 0, block: 'text' },
      ...texts(0, ...mockText),
      { type: 'block_stop', index: 0 },
      { type: 'end', stopReason: 'end_turn', stopSequence: null, usage: usage(12, 7) },
    ]);
  });

  it('mock_thinking with thinking: thinking block 0 (thinking + signature deltas), text block 1', () => {
    assert.deepEqual(transcriptEvents('mock_thinking', { thinking: true, stopSequences: [] }), [
      { type: 'start', messageId: 'msg_mock0004', usage: usage(12, 1) },
      { type: 'block_start', index: 0, block: 'thinking' },
      { type: 'thinking', index: 0, thinking: 'Let me' },
      { type: 'thinking', index: 0, thinking: ' think.' },
      { type: 'signature', index: 0, signature: 'EqMockSignature==' },
      { type: 'block_stop', index: 0 },
      { type: 'block_start', index: 1, block: 'text' },
      ...texts(1, ...mockText),
      { type: 'block_stop', index: 1 },
      { type: 'end', stopReason: 'end_turn', stopSequence: null, usage: usage(12, 7) },
    ]);
  });

  it('err2_mock-midstream: the retry does not repeat "Hello"; one text block, closed once', () => {
    const events = transcriptEvents('err2_mock-midstream', PLAIN);
    assert.deepEqual(events, [
      { type: 'start', messageId: 'msg_mock0045', usage: usage(12, 1) },
      { type: 'block_start', index: 0, block: 'text' },
      ...texts(0, 'Hello', ' from the mock API.'),
      { type: 'block_stop', index: 0 },
      // The result's usage covers both attempts, which is what was consumed.
      { type: 'end', stopReason: 'end_turn', stopSequence: null, usage: usage(24, 8) },
    ]);
    assert.equal(textOf(events), 'Hello from the mock API.');
  });

  it('fallback: no stream events; the start and the content come from the assistant line', () => {
    assert.deepEqual(transcriptEvents('fallback', PLAIN), [
      { type: 'start', messageId: 'msg_mock0009', usage: usage(12, 1) },
      { type: 'block_start', index: 0, block: 'text' },
      ...texts(0, 'Hello from the mock API.'),
      { type: 'block_stop', index: 0 },
      { type: 'end', stopReason: 'end_turn', stopSequence: null, usage: usage(12, 7) },
    ]);
  });

  it("mock_maxtokens: the CLI's max_output_tokens failure is a normal max_tokens stop, not an error", () => {
    const events = transcriptEvents('mock_maxtokens', PLAIN);
    assert.equal(events[0]?.type, 'start');
    assert.ok(!events.some((event) => event.type === 'error'));
    assert.deepEqual(events.at(-1), { type: 'end', stopReason: 'max_tokens', stopSequence: null, usage: usage(48, 28) });
    const starts = events.filter((event) => event.type === 'block_start').length;
    const stops = events.filter((event) => event.type === 'block_stop').length;
    assert.equal(starts, stops, 'every block opened is closed');
  });

  describe('failures become one error event, mapped on fields', () => {
    const cases: { name: string; status: number; type: string; code: string; retryAfter?: string }[] = [
      { name: 'nologin_stream', status: 401, type: 'authentication_error', code: 'not_logged_in' },
      { name: 'err2_mock-401', status: 401, type: 'authentication_error', code: 'not_logged_in' },
      { name: 'err_mock-403', status: 403, type: 'permission_error', code: 'permission_error' },
      { name: 'err_mock-404', status: 404, type: 'not_found_error', code: 'model_not_found' },
      { name: 'err_mock-400', status: 400, type: 'invalid_request_error', code: 'upstream_invalid_request' },
      // Retry-After is the CLI's own last api_retry delay (1195 ms, 1085 ms, 516 ms), rounded up.
      { name: 'err2_mock-429', status: 429, type: 'rate_limit_error', code: 'upstream_rate_limit', retryAfter: '2' },
      { name: 'err2_mock-529', status: 529, type: 'overloaded_error', code: 'upstream_overloaded', retryAfter: '2' },
      { name: 'oauth_529', status: 529, type: 'overloaded_error', code: 'upstream_overloaded', retryAfter: '1' },
      { name: 'oauth_third-party', status: 400, type: 'invalid_request_error', code: 'extra_usage_required' },
      { name: 'oauth_extra-usage', status: 400, type: 'invalid_request_error', code: 'extra_usage_exhausted' },
      { name: 'err2_mock-500', status: 502, type: 'api_error', code: 'upstream_error' },
    ];
    for (const expected of cases) {
      it(`${expected.name} → ${expected.status} ${expected.type} (${expected.code})`, () => {
        const error = onlyError(transcriptEvents(expected.name, PLAIN));
        assert.equal(error.status, expected.status);
        assert.equal(error.type, expected.type);
        assert.equal(error.code, expected.code);
        assert.equal(error.headers['Retry-After'], expected.retryAfter);
        // The CLI's own words are passed on, whatever they are.
        const said = transcriptLines(expected.name)
          .map((line) => JSON.parse(line) as { type: string; result?: string })
          .find((line) => line.type === 'result')?.result;
        assert.ok(said && error.message.includes(said), error.message);
      });
    }

    it('oauth_limit → 429 usage_limit_reached with Retry-After computed from resetsAt and the injected clock', () => {
      const resetsAt = 1795579536;
      const at = (nowMs: number) => onlyError(transcriptEvents('oauth_limit', { ...PLAIN, now: () => nowMs }));

      const error = at((resetsAt - 3600) * 1000);
      assert.equal(error.status, 429);
      assert.equal(error.type, 'rate_limit_error');
      assert.equal(error.code, 'usage_limit_reached');
      assert.equal(error.headers['Retry-After'], '3600');
      assert.equal(error.details?.resets_at, resetsAt);

      assert.equal(at(resetsAt * 1000 - 1500).headers['Retry-After'], '2', 'rounded up to whole seconds');
      assert.equal(at((resetsAt + 60) * 1000).headers['Retry-After'], '1', 'never 0 or negative');
    });

    it('nothing follows the error', () => {
      const state = createTurnState(PLAIN);
      const lines = transcriptLines('nologin_stream');
      const events = lines.flatMap((line) => step(state, parseCliLine(line)!));
      assert.equal(events.length, 1);
      assert.deepEqual(step(state, parseCliLine(result())!), []);
    });
  });
});

describe('cli-turn stop sequences', () => {
  const stops = (...stopSequences: string[]): TurnOptions => ({ thinking: false, stopSequences });

  it('finds a stop sequence split across deltas; sends the text before it and nothing after', () => {
    const lines = streamedText(['Hello ST', 'OP and more', ' text after']);
    const state = createTurnState(stops('STOP'));
    const perLine = lines.map((line) => step(state, parseCliLine(line)!));
    const events = perLine.flat();

    assert.equal(textOf(events), 'Hello ');
    assert.deepEqual(events.slice(0, 3), [
      { type: 'start', messageId: 'msg_1', usage: usage(5, 1) },
      { type: 'block_start', index: 0, block: 'text' },
      { type: 'text', index: 0, text: 'Hello ' },
    ]);
    // The turn ends on the delta that completes the sequence.
    assert.deepEqual(
      perLine[3]?.map((event) => event.type),
      ['block_stop', 'end'],
    );
    const end = events.at(-1);
    assert.ok(end?.type === 'end');
    assert.equal(end.stopReason, 'stop_sequence');
    assert.equal(end.stopSequence, 'STOP');
    assert.equal(end.usage.inputTokens, 5);
    assert.ok(end.usage.outputTokens >= 1);
    assert.deepEqual(perLine.slice(4).flat(), [], 'the rest of the CLI output is ignored');
    assert.equal(events.filter((event) => event.type === 'block_stop').length, 1);
  });

  it('finds a stop sequence inside one delta', () => {
    const events = lineEvents(streamedText(['abc', 'defSTOPghi']), stops('STOP'));
    assert.equal(textOf(events), 'abcdef');
    assert.deepEqual(events.at(-1), { type: 'end', stopReason: 'stop_sequence', stopSequence: 'STOP', usage: usage(5, 2) });
  });

  it('sends a held prefix in full once it turns out not to be a stop sequence', () => {
    const events = lineEvents(streamedText(['Hello S', 'ure thing']), stops('STOP'));
    assert.deepEqual(
      events.filter((event) => event.type === 'text'),
      texts(0, 'Hello ', 'Sure thing'),
    );
    assert.deepEqual(events.at(-1), { type: 'end', stopReason: 'end_turn', stopSequence: null, usage: usage(5, 9) });
  });

  it('sends a held prefix at the end of the block, before the block closes', () => {
    const events = lineEvents(streamedText(['Fine ', 'ST']), stops('STOP'));
    assert.equal(textOf(events), 'Fine ST');
    const kinds = events.map((event) => event.type);
    assert.deepEqual(kinds, ['start', 'block_start', 'text', 'text', 'block_stop', 'end']);
    assert.deepEqual(events[3], { type: 'text', index: 0, text: 'ST' });
  });

  it('stops at the earliest of several sequences', () => {
    const events = lineEvents(streamedText(['one END two STOP']), stops('STOP', 'END'));
    assert.equal(textOf(events), 'one ');
    const end = events.at(-1);
    assert.ok(end?.type === 'end');
    assert.equal(end.stopSequence, 'END');
  });

  it('applies to a message the CLI did not stream', () => {
    const lines = [assistant('msg_fb', [{ type: 'text', text: 'Answer: 42\nSTOP\nignored' }]), result()];
    const events = lineEvents(lines, stops('\nSTOP'));
    assert.deepEqual(events, [
      { type: 'start', messageId: 'msg_fb', usage: usage(5, 1) },
      { type: 'block_start', index: 0, block: 'text' },
      { type: 'text', index: 0, text: 'Answer: 42' },
      { type: 'block_stop', index: 0 },
      { type: 'end', stopReason: 'stop_sequence', stopSequence: '\nSTOP', usage: usage(5, 1) },
    ]);
  });

  it('a prefix held when an attempt is abandoned is neither lost nor doubled by the retry', () => {
    const abandoned = [messageStart('msg_a'), blockStart(0), textDelta(0, 'Hello ST'), blockStop(0), messageStop('msg_a')];
    const notAStop = lineEvents([...abandoned, assistant('msg_b', [{ type: 'text', text: 'Hello STuff' }]), result()], stops('STOP'));
    assert.equal(textOf(notAStop), 'Hello STuff');
    assert.equal(notAStop.filter((event) => event.type === 'block_start').length, 1);

    const aStop = lineEvents([...abandoned, assistant('msg_b', [{ type: 'text', text: 'Hello STOP more' }]), result()], stops('STOP'));
    assert.equal(textOf(aStop), 'Hello ');
    const end = aStop.at(-1);
    assert.ok(end?.type === 'end');
    assert.equal(end.stopReason, 'stop_sequence');
  });

  it('without stop sequences, text that looks like one passes through', () => {
    assert.equal(textOf(lineEvents(streamedText(['Hello ST', 'OP']), PLAIN)), 'Hello STOP');
  });
});

describe('cli-turn max_tokens', () => {
  it('a message_delta with stop_reason max_tokens ends the turn at once and closes the open block', () => {
    const state = createTurnState(PLAIN);
    const run = (line: string) => step(state, parseCliLine(line)!);
    run(messageStart('msg_cap'));
    run(blockStart(0));
    assert.deepEqual(run(textDelta(0, 'Once upon')), texts(0, 'Once upon'));
    assert.deepEqual(run(messageDelta('max_tokens', 2)), [
      { type: 'block_stop', index: 0 },
      { type: 'end', stopReason: 'max_tokens', stopSequence: null, usage: usage(5, 2) },
    ]);
    // The CLI would now auto-continue; none of that reaches the client.
    for (const line of [blockStop(0), messageStop(), messageStart('msg_cap2'), blockStart(0), textDelta(0, ' a time'), result()]) {
      assert.deepEqual(run(line), []);
    }
  });

  it('closes the block exactly once when its content_block_stop came first (the CLI order)', () => {
    const events = lineEvents(
      [messageStart('msg_cap'), blockStart(0), textDelta(0, 'Once'), blockStop(0), messageDelta('max_tokens', 1), messageStop(), result()],
      PLAIN,
    );
    assert.deepEqual(events.slice(2), [
      { type: 'text', index: 0, text: 'Once' },
      { type: 'block_stop', index: 0 },
      { type: 'end', stopReason: 'max_tokens', stopSequence: null, usage: usage(5, 1) },
    ]);
  });

  it('sends text held for a possible stop sequence before closing', () => {
    const events = lineEvents([messageStart('m'), blockStart(0), textDelta(0, 'Hi S'), messageDelta('max_tokens', 2)], {
      thinking: false,
      stopSequences: ['STOP'],
    });
    assert.equal(textOf(events), 'Hi S');
    assert.deepEqual(events.slice(-2), [
      { type: 'block_stop', index: 0 },
      { type: 'end', stopReason: 'max_tokens', stopSequence: null, usage: usage(5, 2) },
    ]);
  });
});

describe('cli-turn robustness', () => {
  it('skips garbage, unknown line types and lines it has no use for', () => {
    const noise = [
      'not json at all',
      '{"type":"brand_new_kind","payload":1}',
      '{"type":"system","subtype":"some_future_status"}',
      '{"type":"rate_limit_event","rate_limit_info":{"status":"allowed","resetsAt":1795579536}}',
      '{"type":"user","message":{"role":"user","content":"synthetic"}}',
      '{"type":"stream_event","event":{"type":"future_event"}}',
    ];
    const lines = transcriptLines('mock_basic').flatMap((line) => [...noise, line]);
    assert.deepEqual(lineEvents(lines, PLAIN), transcriptEvents('mock_basic', PLAIN));
    const state = createTurnState(PLAIN);
    assert.deepEqual(step(state, { type: 'unknown', raw: 'x' }), []);
  });

  it('suppresses blocks that are neither text, thinking nor tool_use; the next text block is index 0', () => {
    const lines = [
      messageStart('m'),
      blockStart(0, 'server_tool_use'),
      streamEvent({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{}' } }),
      blockStop(0),
      blockStart(1),
      textDelta(1, 'ok'),
      blockStop(1),
      messageDelta('end_turn', 3),
      messageStop(),
      result(),
    ];
    assert.deepEqual(lineEvents(lines, PLAIN).slice(1, -1), [
      { type: 'block_start', index: 0, block: 'text' },
      { type: 'text', index: 0, text: 'ok' },
      { type: 'block_stop', index: 0 },
    ]);
  });

  it('a streamed retry after an abandoned attempt continues the same block without the repeat', () => {
    const lines = [
      messageStart('msg_a'),
      blockStart(0),
      textDelta(0, 'Hello'),
      blockStop(0),
      messageStop('msg_a'),
      messageStart('msg_b'),
      blockStart(0),
      textDelta(0, 'Hel'),
      textDelta(0, 'lo there'),
      blockStop(0),
      messageDelta('end_turn', 3),
      messageStop(),
      result(),
    ];
    const events = lineEvents(lines, PLAIN);
    assert.deepEqual(events.slice(0, -1), [
      { type: 'start', messageId: 'msg_a', usage: usage(5, 1) },
      { type: 'block_start', index: 0, block: 'text' },
      ...texts(0, 'Hello', ' there'),
      { type: 'block_stop', index: 0 },
    ]);
  });

  it('synthesises a start from the result when no message came at all', () => {
    const events = lineEvents([result({ result: '' })], PLAIN);
    assert.equal(events.length, 2);
    const [start, end] = events;
    assert.ok(start?.type === 'start');
    assert.match(start.messageId, /^msg_[0-9a-f]{32}$/);
    assert.deepEqual(start.usage, usage(5, 9));
    assert.deepEqual(end, { type: 'end', stopReason: 'end_turn', stopSequence: null, usage: usage(5, 9) });
  });

  it('an error after some output is still one final error event', () => {
    const lines = [
      messageStart('m'),
      blockStart(0),
      textDelta(0, 'partial'),
      assistant('synthetic-id', [{ type: 'text', text: 'API Error: 500' }], { error: 'server_error' }),
      result({ is_error: true, result: 'API Error: 500', api_error_status: 500, stop_reason: 'stop_sequence' }),
    ];
    const events = lineEvents(lines, PLAIN);
    assert.deepEqual(
      events.map((event) => event.type),
      ['start', 'block_start', 'text', 'error'],
    );
    const last = events.at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.status, 502);
  });

  it('ignores synthetic assistant lines that carry no error (e.g. an aborted turn)', () => {
    const synthetic = json({
      type: 'assistant',
      message: { id: 'x', model: '<synthetic>', content: [{ type: 'text', text: '[Request interrupted by user]' }] },
    });
    const events = lineEvents([...transcriptLines('mock_basic').slice(0, -1), synthetic, transcriptLines('mock_basic').at(-1)!], PLAIN);
    assert.deepEqual(events, transcriptEvents('mock_basic', PLAIN));
  });
});
