import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAIStreamState, openaiChunks, openaiCompletion, openaiDone, openaiUsage } from './to-openai.js';
import { TurnCollector, type CollectedTurn } from './collect-turn.js';
import type { TurnOptions } from '../cli/cli-turn.js';
import type { StopReason, TurnEvent } from '../cli/turn-events.js';
import { goldenText, sseFrames, transcriptEvents } from '../../test/helpers/golden.js';

const MODEL = 'gpt-4o';
// 2025-11-25T03:03:30.123Z; `created` is whole seconds.
const NOW = 1764039810123;
const PLAIN: TurnOptions = { thinking: false, stopSequences: [] };

function render(events: TurnEvent[], includeUsage: boolean): string {
  const state = createOpenAIStreamState('chatcmpl-golden', MODEL, includeUsage, NOW);
  return events.map((event) => openaiChunks(state, event)).join('');
}

describe('openaiChunks against golden SSE', () => {
  const goldens: { transcript: string; includeUsage: boolean; file: string }[] = [
    { transcript: 'mock_basic', includeUsage: true, file: 'mock_basic.openai.sse' },
    { transcript: 'err2_mock-midstream', includeUsage: false, file: 'err2_mock-midstream.openai.sse' },
    { transcript: 'fallback', includeUsage: true, file: 'fallback.openai.sse' },
    { transcript: 'q3_dontask_mt1_parallel', includeUsage: true, file: 'q3_dontask_mt1_parallel.openai.sse' },
  ];
  for (const { transcript, includeUsage, file } of goldens) {
    it(`${transcript} (include_usage: ${includeUsage}) renders as ${file}`, () => {
      const actual = sseFrames(render(transcriptEvents(transcript, PLAIN), includeUsage));
      assert.deepEqual(actual, sseFrames(goldenText(file)));
    });
  }

  it('drops thinking: a thinking turn renders exactly like the same turn without it', () => {
    const withThinking = render(transcriptEvents('mock_thinking', { thinking: true, stopSequences: [] }), false);
    const without = render(transcriptEvents('mock_thinking', PLAIN), false);
    assert.equal(withThinking, without);
    assert.doesNotMatch(withThinking, /Let me think|EqMockSignature/);
  });

  it('uses no `event:` lines and ends with data: [DONE]', () => {
    const text = render(transcriptEvents('mock_basic', PLAIN), false);
    assert.doesNotMatch(text, /^event:/m);
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    assert.equal(openaiDone(), 'data: [DONE]\n\n');
  });
});

describe('openaiChunks details', () => {
  const end = (stopReason: StopReason): TurnEvent => ({
    type: 'end',
    stopReason,
    stopSequence: null,
    usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
  });

  it('maps stop reasons to finish_reason', () => {
    const expected: Record<StopReason, string> = {
      end_turn: 'stop',
      stop_sequence: 'stop',
      max_tokens: 'length',
      tool_use: 'tool_calls',
      refusal: 'content_filter',
      pause_turn: 'stop',
    };
    for (const [reason, finish] of Object.entries(expected)) {
      const state = createOpenAIStreamState('id', MODEL, false, NOW);
      const [finishChunk, done] = sseFrames(openaiChunks(state, end(reason as StopReason)));
      const data = finishChunk?.data as { choices: { delta: object; finish_reason: string }[] };
      assert.equal(data.choices[0]?.finish_reason, finish, reason);
      assert.deepEqual(data.choices[0]?.delta, {});
      assert.equal(done?.data, '[DONE]');
    }
  });

  it('renders an error as a data frame with the OpenAI error body and no [DONE]', () => {
    const [error] = transcriptEvents('err2_mock-529', PLAIN);
    assert.ok(error?.type === 'error');
    const frames = sseFrames(openaiChunks(createOpenAIStreamState('id', MODEL, false, NOW), error));
    assert.equal(frames.length, 1);
    assert.equal(frames[0]?.event, undefined);
    const body = frames[0]?.data as { error: { type: string; code: string; param: null; message: string } };
    assert.equal(body.error.type, 'overloaded_error');
    assert.equal(body.error.code, 'upstream_overloaded');
    assert.equal(body.error.param, null);
    assert.match(body.error.message, /529 Overloaded/);
  });

  it('block and signature events produce no output', () => {
    const state = createOpenAIStreamState('id', MODEL, true, NOW);
    assert.equal(openaiChunks(state, { type: 'block_start', index: 0, block: 'text' }), '');
    assert.equal(openaiChunks(state, { type: 'block_stop', index: 0 }), '');
    assert.equal(openaiChunks(state, { type: 'thinking', index: 0, thinking: 'x' }), '');
    assert.equal(openaiChunks(state, { type: 'signature', index: 0, signature: 'x' }), '');
  });

  it('createOpenAIStreamState floors `created` to seconds', () => {
    assert.equal(createOpenAIStreamState('id', MODEL, false, 1999).created, 1);
  });
});

describe('openaiUsage', () => {
  it('prompt_tokens counts input plus cache creation plus cache reads', () => {
    assert.deepEqual(openaiUsage({ inputTokens: 10, outputTokens: 7, cacheCreationInputTokens: 5, cacheReadInputTokens: 20 }), {
      prompt_tokens: 35,
      completion_tokens: 7,
      total_tokens: 42,
      prompt_tokens_details: { cached_tokens: 20 },
    });
  });
});

describe('openaiCompletion', () => {
  const turn = (stopReason: StopReason): CollectedTurn => ({
    messageId: 'msg_1',
    blocks: [
      { kind: 'thinking', text: 'hidden', signature: 's' },
      { kind: 'text', text: 'Hello', signature: '' },
      { kind: 'text', text: ' world', signature: '' },
    ],
    stopReason,
    stopSequence: null,
    usage: { inputTokens: 12, outputTokens: 7, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
  });

  it('builds a chat.completion with the text of all text blocks and no thinking', () => {
    assert.deepEqual(openaiCompletion(turn('end_turn'), 'chatcmpl-1', MODEL, NOW), {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1764039810,
      model: MODEL,
      system_fingerprint: null,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello world', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  it('maps end_turn → stop, max_tokens → length, stop_sequence → stop', () => {
    assert.equal(openaiCompletion(turn('end_turn'), 'c', MODEL, NOW).choices[0]?.finish_reason, 'stop');
    assert.equal(openaiCompletion(turn('max_tokens'), 'c', MODEL, NOW).choices[0]?.finish_reason, 'length');
    assert.equal(openaiCompletion(turn('stop_sequence'), 'c', MODEL, NOW).choices[0]?.finish_reason, 'stop');
  });
});

describe('tool calls in the Chat Completions shape', () => {
  type ToolCallDelta = { index: number; id?: string; type?: string; function: { name?: string; arguments: string } };
  const deltas = (text: string) =>
    sseFrames(text)
      .filter((frame) => frame.data !== '[DONE]')
      .map(
        (frame) => frame.data as { choices: { delta: { content?: string; tool_calls?: ToolCallDelta[] }; finish_reason: string | null }[] },
      )
      .filter((data) => data.choices.length > 0)
      .map((data) => data.choices[0]!);

  it('streams each call as OpenAI does: id, type and name first with empty arguments, then its arguments by index', () => {
    const chunks = deltas(render(transcriptEvents('q3_dontask_mt1_parallel', PLAIN), false));
    const calls = chunks.filter((choice) => choice.delta.tool_calls).map((choice) => choice.delta.tool_calls);
    assert.ok(
      calls.every((list) => list?.length === 1),
      'one call per chunk',
    );
    assert.deepEqual(
      calls.map((list) => list![0]),
      [
        { index: 0, id: 'toolu_mock1_a', type: 'function', function: { name: 'mcp__c__get_time', arguments: '' } },
        { index: 0, function: { arguments: '{"city":"Paris"}' } },
        { index: 1, id: 'toolu_mock1_b', type: 'function', function: { name: 'mcp__c__get_weather', arguments: '' } },
        { index: 1, function: { arguments: '{"city":"Tokyo"}' } },
      ],
    );
    assert.equal(chunks.map((choice) => choice.delta.content ?? '').join(''), 'Let me check that.', 'the text before the calls is content');
    assert.equal(chunks.at(-1)?.finish_reason, 'tool_calls');
  });

  it('tool call indexes count calls only: a call after a text block is index 0', () => {
    const state = createOpenAIStreamState('id', MODEL, false, NOW);
    openaiChunks(state, { type: 'block_start', index: 0, block: 'text' });
    const [frame] = sseFrames(openaiChunks(state, { type: 'tool_start', index: 1, id: 'call_1', name: 'f' }));
    const data = frame?.data as { choices: { delta: { tool_calls: ToolCallDelta[] } }[] };
    assert.equal(data.choices[0]?.delta.tool_calls[0]?.index, 0);
    assert.equal(openaiChunks(state, { type: 'tool_input', index: 7, json: '{}' }), '', 'input of an unknown call is dropped');
  });

  const collected = (name: string): CollectedTurn => {
    const collector = new TurnCollector();
    for (const event of transcriptEvents(name, PLAIN)) collector.add(event);
    return collector.result();
  };

  it('a non-streamed answer with only calls: content null, tool_calls with arguments as JSON strings', () => {
    const completion = openaiCompletion(collected('q3_dontask_mt1'), 'chatcmpl-1', MODEL, NOW);
    assert.deepEqual(completion.choices, [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: 'toolu_mock1_a', type: 'function', function: { name: 'mcp__c__get_weather', arguments: '{"city":"Paris"}' } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
  });

  it('a non-streamed answer with text and two calls keeps both', () => {
    const message = openaiCompletion(collected('q3_dontask_mt1_parallel'), 'chatcmpl-1', MODEL, NOW).choices[0]?.message;
    assert.equal(message?.content, 'Let me check that.');
    assert.deepEqual(
      message?.tool_calls?.map((call) => [call.id, call.function.name, JSON.parse(call.function.arguments)]),
      [
        ['toolu_mock1_a', 'mcp__c__get_time', { city: 'Paris' }],
        ['toolu_mock1_b', 'mcp__c__get_weather', { city: 'Tokyo' }],
      ],
    );
  });

  it('a call with no input has arguments "{}"; an answer without calls has no tool_calls key', () => {
    const usage = { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
    const noInput: CollectedTurn = {
      messageId: 'm',
      blocks: [{ kind: 'tool_use', id: 'call_1', name: 'now', json: '' }],
      stopReason: 'tool_use',
      stopSequence: null,
      usage,
    };
    assert.equal(openaiCompletion(noInput, 'c', MODEL, NOW).choices[0]?.message.tool_calls?.[0]?.function.arguments, '{}');
    const textOnly = openaiCompletion(collected('mock_basic'), 'c', MODEL, NOW).choices[0]?.message;
    assert.ok(textOnly && !('tool_calls' in textOnly));
  });
});
