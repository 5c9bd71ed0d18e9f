import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../errors.js';
import { anthropicEvent, anthropicMessage, anthropicPing } from './to-anthropic.js';
import { TurnCollector } from './collect-turn.js';
import type { TurnOptions } from '../cli/cli-turn.js';
import type { TurnEvent } from '../cli/turn-events.js';
import { goldenText, sseFrames, transcriptEvents } from '../../test/helpers/golden.js';

const MODEL = 'claude-sonnet-4-5';

function render(events: TurnEvent[]): string {
  return events.map((event) => anthropicEvent(event, MODEL)).join('');
}

describe('anthropicEvent against golden SSE', () => {
  const goldens: { transcript: string; options: TurnOptions; file: string }[] = [
    { transcript: 'mock_basic', options: { thinking: false, stopSequences: [] }, file: 'mock_basic.anthropic.sse' },
    { transcript: 'mock_thinking', options: { thinking: true, stopSequences: [] }, file: 'mock_thinking.anthropic.sse' },
    { transcript: 'mock_thinking', options: { thinking: false, stopSequences: [] }, file: 'mock_thinking.no-thinking.anthropic.sse' },
    { transcript: 'err2_mock-midstream', options: { thinking: false, stopSequences: [] }, file: 'err2_mock-midstream.anthropic.sse' },
    { transcript: 'fallback', options: { thinking: false, stopSequences: [] }, file: 'fallback.anthropic.sse' },
    {
      transcript: 'q3_dontask_mt1_parallel',
      options: { thinking: false, stopSequences: [] },
      file: 'q3_dontask_mt1_parallel.anthropic.sse',
    },
  ];
  for (const { transcript, options, file } of goldens) {
    it(`${transcript} (thinking: ${options.thinking}) renders as ${file}`, () => {
      const actual = sseFrames(render(transcriptEvents(transcript, options)));
      assert.deepEqual(actual, sseFrames(goldenText(file)));
    });
  }

  it('names every frame after its data type, in the Messages API order', () => {
    const frames = sseFrames(render(transcriptEvents('mock_thinking', { thinking: true, stopSequences: [] })));
    for (const frame of frames) assert.equal(frame.event, (frame.data as { type: string }).type);
    const order = frames.map((frame) => frame.event);
    assert.deepEqual(order.slice(0, 3), ['message_start', 'ping', 'content_block_start']);
    assert.deepEqual(order.slice(-2), ['message_delta', 'message_stop']);
    assert.equal(order.filter((event) => event === 'content_block_start').length, 2);
    assert.equal(order.filter((event) => event === 'content_block_stop').length, 2);
  });
});

describe('anthropicEvent details', () => {
  it('ends with stop_sequence set when a stop sequence ended the turn', () => {
    const frames = sseFrames(
      anthropicEvent(
        {
          type: 'end',
          stopReason: 'stop_sequence',
          stopSequence: 'STOP',
          usage: { inputTokens: 3, outputTokens: 4, cacheCreationInputTokens: 1, cacheReadInputTokens: 2 },
        },
        MODEL,
      ),
    );
    assert.deepEqual(frames, [
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'stop_sequence', stop_sequence: 'STOP' },
          usage: { input_tokens: 3, cache_creation_input_tokens: 1, cache_read_input_tokens: 2, output_tokens: 4 },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  });

  it('renders an error as an `error` event with the Messages API error body', () => {
    const [error] = transcriptEvents('nologin_stream', { thinking: false, stopSequences: [] });
    assert.ok(error?.type === 'error');
    const frames = sseFrames(anthropicEvent(error, MODEL));
    assert.equal(frames.length, 1);
    assert.equal(frames[0]?.event, 'error');
    const data = frames[0]?.data as { type: string; error: { type: string; message: string; details: Record<string, unknown> } };
    assert.equal(data.type, 'error');
    assert.equal(data.error.type, 'authentication_error');
    assert.match(data.error.message, /Not logged in/);
    assert.equal(data.error.details.cli_error, 'authentication_failed');
  });

  it('keeps a payload with newlines on one data line', () => {
    const frame = anthropicEvent({ type: 'text', index: 0, text: 'line one\nline two\r\n\n' }, MODEL);
    const [parsed] = sseFrames(frame);
    assert.deepEqual(parsed?.data, {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'line one\nline two\r\n\n' },
    });
  });

  it('anthropicPing is a ping event', () => {
    assert.equal(anthropicPing(), 'event: ping\ndata: {"type":"ping"}\n\n');
  });

  it('throws on an event kind it does not know', () => {
    assert.throws(() => anthropicEvent({ type: 'bogus' } as unknown as TurnEvent, MODEL), /unhandled turn event/);
  });

  it('never leaks a ProxyError cause into the body', () => {
    const error = new ProxyError('api_error', 'Internal proxy error', { cause: new Error('secret path /home/x') });
    assert.doesNotMatch(anthropicEvent({ type: 'error', error }, MODEL), /secret/);
  });
});

describe('anthropicMessage', () => {
  it('builds a Message body with thinking then text blocks', () => {
    const body = anthropicMessage(
      {
        messageId: 'msg_1',
        blocks: [
          { kind: 'thinking', text: 'Let me think.', signature: 'sig' },
          { kind: 'text', text: 'Hi.', signature: '' },
        ],
        stopReason: 'end_turn',
        stopSequence: null,
        usage: { inputTokens: 12, outputTokens: 7, cacheCreationInputTokens: 3, cacheReadInputTokens: 4 },
      },
      MODEL,
    );
    assert.deepEqual(body, {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [
        { type: 'thinking', thinking: 'Let me think.', signature: 'sig' },
        { type: 'text', text: 'Hi.' },
      ],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 7, cache_creation_input_tokens: 3, cache_read_input_tokens: 4 },
    });
  });
});

describe('tool calls in the Messages API shape', () => {
  const PLAIN: TurnOptions = { thinking: false, stopSequences: [] };

  it('a call opens a tool_use block with empty input, its input comes as input_json_delta, then the block stops', () => {
    const frames = sseFrames(
      render([
        { type: 'tool_start', index: 1, id: 'toolu_1', name: 'get_weather' },
        { type: 'tool_input', index: 1, json: '{"city":' },
        { type: 'tool_input', index: 1, json: '"Paris"}' },
        { type: 'block_stop', index: 1 },
      ]),
    );
    assert.deepEqual(frames, [
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } },
    ]);
  });

  it('the stream of a tool call turn ends with stop_reason tool_use', () => {
    const frames = sseFrames(render(transcriptEvents('q3_dontask_mt1', PLAIN)));
    const delta = frames.find((frame) => frame.event === 'message_delta')?.data as { delta: { stop_reason: string } };
    assert.equal(delta.delta.stop_reason, 'tool_use');
    assert.equal(frames.at(-1)?.event, 'message_stop');
  });

  it('a non-streamed answer holds text and tool_use blocks with their input parsed', () => {
    const collector = new TurnCollector();
    for (const event of transcriptEvents('q3_dontask_mt1_parallel', PLAIN)) collector.add(event);
    assert.deepEqual(anthropicMessage(collector.result(), MODEL), {
      id: 'msg_mock1',
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [
        { type: 'text', text: 'Let me check that.' },
        { type: 'tool_use', id: 'toolu_mock1_a', name: 'mcp__c__get_time', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_mock1_b', name: 'mcp__c__get_weather', input: { city: 'Tokyo' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('a call without input, or with input that is not a JSON object, has input {}', () => {
    const usage = { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
    const collector = new TurnCollector();
    const events: TurnEvent[] = [
      { type: 'start', messageId: 'm', usage },
      { type: 'tool_start', index: 0, id: 't0', name: 'now' },
      { type: 'block_stop', index: 0 },
      { type: 'tool_start', index: 1, id: 't1', name: 'cut' },
      { type: 'tool_input', index: 1, json: '{"a":' },
      { type: 'block_stop', index: 1 },
      { type: 'end', stopReason: 'tool_use', stopSequence: null, usage },
    ];
    for (const event of events) collector.add(event);
    assert.deepEqual(
      anthropicMessage(collector.result(), MODEL).content.map((block) => (block.type === 'tool_use' ? block.input : undefined)),
      [{}, {}],
    );
  });
});
