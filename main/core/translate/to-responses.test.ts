import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TurnOptions } from '../cli/cli-turn.js';
import { emptyUsage, type TurnEvent } from '../cli/turn-events.js';
import { ProxyError } from '../errors.js';
import { goldenText, sseFrames, transcriptEvents } from '../../test/helpers/golden.js';
import { thinkingFromReasoning } from '../api/responses-reasoning.js';
import { ResponsesStream } from './to-responses-stream.js';
import { responseFromTurn, type ResponseContext } from './to-responses.js';
import { TurnCollector } from './collect-turn.js';

// 2025-11-25T03:03:30.123Z; `created_at` and `completed_at` are whole seconds.
const NOW = 1764039810123;
const PLAIN: TurnOptions = { thinking: false, stopSequences: [] };

function context(overrides: Partial<ResponseContext> = {}): ResponseContext {
  return {
    id: 'resp_golden',
    createdAt: Math.floor(NOW / 1000),
    model: 'gpt-5',
    echo: { store: true },
    encryptedReasoning: false,
    reasoningSummary: false,
    ...overrides,
  };
}

function render(events: TurnEvent[], ctx = context()): { text: string; stream: ResponsesStream } {
  const stream = new ResponsesStream(ctx, () => NOW);
  return { text: events.map((event) => stream.event(event)).join(''), stream };
}

const usage = { ...emptyUsage(), inputTokens: 10, outputTokens: 4 };

describe('ResponsesStream against golden SSE', () => {
  const goldens: { transcript: string; options: TurnOptions; ctx: Partial<ResponseContext>; file: string }[] = [
    { transcript: 'mock_basic', options: PLAIN, ctx: {}, file: 'mock_basic.responses.sse' },
    {
      transcript: 'mock_thinking',
      options: { thinking: true, stopSequences: [] },
      ctx: { reasoningSummary: true, encryptedReasoning: true },
      file: 'mock_thinking.responses.sse',
    },
  ];
  for (const { transcript, options, ctx, file } of goldens) {
    it(`${transcript} renders as ${file}`, () => {
      const actual = sseFrames(render(transcriptEvents(transcript, options), context(ctx)).text);
      assert.deepEqual(actual, sseFrames(goldenText(file)));
    });
  }

  it('names every frame by its type and numbers them from 0', () => {
    const frames = sseFrames(render(transcriptEvents('mock_basic', PLAIN)).text);
    frames.forEach((frame, index) => {
      const data = frame.data as { type: string; sequence_number: number };
      assert.equal(frame.event, data.type);
      assert.equal(data.sequence_number, index);
    });
  });

  it('the thinking goes back as a signed thinking block through encrypted_content', () => {
    const { stream } = render(
      transcriptEvents('mock_thinking', { thinking: true, stopSequences: [] }),
      context({ encryptedReasoning: true }),
    );
    const reasoning = (stream.final!.output as { type: string; encrypted_content?: string }[]).find((item) => item.type === 'reasoning');
    assert.deepEqual(thinkingFromReasoning(reasoning?.encrypted_content), {
      type: 'thinking',
      thinking: 'Let me think.',
      signature: 'EqMockSignature==',
    });
    assert.equal(thinkingFromReasoning('someone else’s blob'), undefined);
  });
});

describe('ResponsesStream events', () => {
  const toolTurn: TurnEvent[] = [
    { type: 'start', messageId: 'msg_1', usage },
    { type: 'tool_start', index: 0, id: 'toolu_1', name: 'get_weather' },
    { type: 'tool_input', index: 0, json: '{"city":' },
    { type: 'tool_input', index: 0, json: '"Paris"}' },
    { type: 'block_stop', index: 0 },
    { type: 'end', stopReason: 'tool_use', stopSequence: null, usage },
  ];

  it('streams a function call as its item, argument deltas and .done events', () => {
    const frames = sseFrames(render(toolTurn).text).map((frame) => frame.data as Record<string, unknown>);
    assert.deepEqual(
      frames.map((frame) => frame.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.deepEqual(frames[2]!.item, {
      type: 'function_call',
      id: 'fc_golden0',
      call_id: 'toolu_1',
      name: 'get_weather',
      arguments: '',
      status: 'in_progress',
    });
    assert.equal(frames[5]!.arguments, '{"city":"Paris"}');
    const done = frames.at(-1)!.response as { output: unknown[]; usage: unknown };
    assert.deepEqual(done.output, [
      {
        type: 'function_call',
        id: 'fc_golden0',
        call_id: 'toolu_1',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      },
    ]);
    assert.deepEqual(done.usage, {
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 14,
    });
  });

  it('the streamed final object is the object a non-streamed request gets', () => {
    const { stream } = render(toolTurn);
    const collector = new TurnCollector();
    toolTurn.forEach((event) => collector.add(event));
    assert.deepEqual(stream.final, responseFromTurn(context(), collector.result(), NOW));
  });

  it('the output cap ends an open text item as incomplete, then response.incomplete', () => {
    const events: TurnEvent[] = [
      { type: 'start', messageId: 'msg_1', usage },
      { type: 'block_start', index: 0, block: 'text' },
      { type: 'text', index: 0, text: 'Cut' },
      { type: 'end', stopReason: 'max_tokens', stopSequence: null, usage },
    ];
    const frames = sseFrames(render(events).text).map((frame) => frame.data as Record<string, unknown>);
    const last = frames.at(-1)!;
    assert.equal(last.type, 'response.incomplete');
    const response = last.response as Record<string, unknown>;
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal((frames.at(-2)!.item as { status: string }).status, 'incomplete');
  });

  it('an error after the start is response.failed with the error and the output so far', () => {
    const events: TurnEvent[] = [
      { type: 'start', messageId: 'msg_1', usage },
      { type: 'block_start', index: 0, block: 'text' },
      { type: 'text', index: 0, text: 'Partial' },
      { type: 'error', error: new ProxyError('timeout_error', 'The Claude CLI sent nothing for 600 s') },
    ];
    const last = sseFrames(render(events).text).at(-1)!.data as { type: string; response: Record<string, unknown> };
    assert.equal(last.type, 'response.failed');
    assert.equal(last.response.status, 'failed');
    assert.deepEqual(last.response.error, { code: 'server_error', message: 'The Claude CLI sent nothing for 600 s' });
    assert.equal((last.response.output as { content: { text: string }[] }[])[0]!.content[0]!.text, 'Partial');
  });
});
