import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../errors.js';
import { TurnCollector } from './collect-turn.js';
import { anthropicMessage } from './to-anthropic.js';
import { openaiCompletion } from './to-openai.js';
import type { TurnOptions } from '../cli/cli-turn.js';
import type { TurnEvent } from '../cli/turn-events.js';
import { transcriptEvents } from '../../test/helpers/golden.js';

const NOW = 1764039810123;

function collect(events: TurnEvent[]): TurnCollector {
  const collector = new TurnCollector();
  for (const event of events) collector.add(event);
  return collector;
}

function collectTranscript(name: string, options: TurnOptions): TurnCollector {
  return collect(transcriptEvents(name, options));
}

describe('TurnCollector on transcripts', () => {
  it('mock_basic → Anthropic Message body', () => {
    const collector = collectTranscript('mock_basic', { thinking: false, stopSequences: [] });
    assert.equal(collector.finished, true);
    assert.equal(collector.error, undefined);
    assert.deepEqual(anthropicMessage(collector.result(), 'claude-sonnet-4-5'), {
      id: 'msg_mock0002',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Hello from the mock API.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('mock_basic → chat.completion body', () => {
    const collector = collectTranscript('mock_basic', { thinking: false, stopSequences: [] });
    assert.deepEqual(openaiCompletion(collector.result(), 'chatcmpl-abc', 'gpt-4o', NOW), {
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      created: 1764039810,
      model: 'gpt-4o',
      system_fingerprint: null,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello from the mock API.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  it('mock_thinking with thinking → thinking block (with signature) then text block', () => {
    const turn = collectTranscript('mock_thinking', { thinking: true, stopSequences: [] }).result();
    assert.deepEqual(anthropicMessage(turn, 'claude-sonnet-4-5').content, [
      { type: 'thinking', thinking: 'Let me think.', signature: 'EqMockSignature==' },
      { type: 'text', text: 'Hello from the mock API.' },
    ]);
    // Chat Completions has no place for thinking.
    assert.equal(openaiCompletion(turn, 'c', 'gpt-4o', NOW).choices[0]?.message.content, 'Hello from the mock API.');
  });

  it('mock_thinking without thinking → only the text block', () => {
    const turn = collectTranscript('mock_thinking', { thinking: false, stopSequences: [] }).result();
    assert.deepEqual(anthropicMessage(turn, 'claude-sonnet-4-5').content, [{ type: 'text', text: 'Hello from the mock API.' }]);
  });

  it('err2_mock-midstream → the text once', () => {
    const turn = collectTranscript('err2_mock-midstream', { thinking: false, stopSequences: [] }).result();
    assert.deepEqual(turn.blocks, [{ kind: 'text', text: 'Hello from the mock API.', signature: '' }]);
  });

  it('a failed turn is finished with the error kept', () => {
    const collector = collectTranscript('err_mock-404', { thinking: false, stopSequences: [] });
    assert.equal(collector.finished, true);
    assert.ok(collector.error instanceof ProxyError);
    assert.equal(collector.error.status, 404);
  });
});

describe('TurnCollector', () => {
  it('is not finished before an end or error', () => {
    const collector = collect([
      { type: 'start', messageId: 'm', usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 } },
      { type: 'block_start', index: 0, block: 'text' },
      { type: 'text', index: 0, text: 'x' },
    ]);
    assert.equal(collector.finished, false);
  });

  it('orders blocks by index and keeps stop_sequence', () => {
    const usage = { inputTokens: 2, outputTokens: 3, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
    const turn = collect([
      { type: 'start', messageId: 'm', usage },
      { type: 'block_start', index: 1, block: 'text' },
      { type: 'text', index: 1, text: 'second' },
      { type: 'block_start', index: 0, block: 'text' },
      { type: 'text', index: 0, text: 'first' },
      { type: 'end', stopReason: 'stop_sequence', stopSequence: 'STOP', usage },
    ]).result();
    assert.deepEqual(
      turn.blocks.map((block) => (block.kind === 'tool_use' ? block.json : block.text)),
      ['first', 'second'],
    );
    const message = anthropicMessage(turn, 'm');
    assert.equal(message.stop_reason, 'stop_sequence');
    assert.equal(message.stop_sequence, 'STOP');
    assert.equal(openaiCompletion(turn, 'c', 'gpt-4o', NOW).choices[0]?.finish_reason, 'stop');
  });

  it('max_tokens → finish_reason length, with cache tokens counted in prompt_tokens', () => {
    const usage = { inputTokens: 10, outputTokens: 7, cacheCreationInputTokens: 5, cacheReadInputTokens: 20 };
    const turn = collect([
      { type: 'start', messageId: 'm', usage },
      { type: 'block_start', index: 0, block: 'text' },
      { type: 'text', index: 0, text: 'cut' },
      { type: 'end', stopReason: 'max_tokens', stopSequence: null, usage },
    ]).result();
    const completion = openaiCompletion(turn, 'c', 'gpt-4o', NOW);
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.deepEqual(completion.usage, {
      prompt_tokens: 35,
      completion_tokens: 7,
      total_tokens: 42,
      prompt_tokens_details: { cached_tokens: 20 },
    });
    assert.deepEqual(anthropicMessage(turn, 'm').usage, {
      input_tokens: 10,
      output_tokens: 7,
      cache_creation_input_tokens: 5,
      cache_read_input_tokens: 20,
    });
  });
});
