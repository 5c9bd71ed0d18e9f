import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProxyError } from '../errors.js';
import { reasoningFromThinking } from './responses-reasoning.js';
import { parseResponsesRequest } from './responses-request.js';

const MODEL = 'claude-sonnet-4-5';
const fn = (name: string) => ({ type: 'function', name, parameters: { type: 'object', properties: {} } });

function refusedAt(body: unknown): string | undefined {
  try {
    parseResponsesRequest(body);
  } catch (error) {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.status, 400);
    return error.param;
  }
  assert.fail('expected a 400');
}

describe('parseResponsesRequest', () => {
  it('turns items into turns: an assistant message, its calls and reasoning are one turn; outputs the next', () => {
    const { request } = parseResponsesRequest({
      model: MODEL,
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Dev notes.' },
        { role: 'user', content: 'Weather?' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: reasoningFromThinking('Hmm.', 'sig') },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        { role: 'user', content: [{ type: 'input_text', text: 'Thanks' }] },
      ],
    });
    assert.equal(request.api, 'responses');
    assert.equal(request.system, 'Be brief.\n\nDev notes.');
    assert.deepEqual(request.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Hmm.', signature: 'sig' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
  });

  it('with many unknown fields, the tools left out come before the `…and N more fields` entry, which stays last', () => {
    const unknown = Object.fromEntries(Array.from({ length: 80 }, (_, index) => [`x_${String(index).padStart(2, '0')}`, 1]));
    const parsed = parseResponsesRequest({ model: MODEL, input: 'hi', tools: [{ type: 'web_search' }], ...unknown });
    assert.match(parsed.request.ignored.at(-1)!, /more field/);
    assert.ok(parsed.request.ignored.includes('tools.0.web_search'));
  });

  it('declares function tools, leaves the rest out by name, and maps tool_choice', () => {
    const parsed = parseResponsesRequest({
      model: MODEL,
      input: 'hi',
      tools: [{ type: 'web_search' }, fn('a'), { type: 'namespace', name: 'ns', tools: [] }, fn('b')],
      tool_choice: { type: 'function', name: 'b' },
      parallel_tool_calls: false,
      prompt_cache_key: 'k',
      temperature: 0.2,
    });
    assert.deepEqual(
      parsed.request.tools.map((tool) => tool.name),
      ['a', 'b'],
    );
    assert.deepEqual(parsed.request.toolChoice, { type: 'tool', name: 'b' });
    assert.equal(parsed.request.parallelToolCalls, false);
    assert.deepEqual(parsed.request.ignored, ['prompt_cache_key', 'temperature', 'tools.0.web_search', 'tools.2.namespace']);
    assert.equal(parsed.options.echo.temperature, 0.2);

    const allowed = parseResponsesRequest({
      model: MODEL,
      input: 'hi',
      tools: [fn('a'), fn('b')],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'a' }] },
    });
    assert.deepEqual(
      allowed.request.tools.map((tool) => tool.name),
      ['a'],
    );
    assert.deepEqual(allowed.request.toolChoice, { type: 'any' });
    const hosted = parseResponsesRequest({ model: MODEL, input: 'hi', tool_choice: { type: 'web_search_preview' } });
    assert.deepEqual(hosted.request.toolChoice, { type: 'auto' });
    assert.deepEqual(hosted.request.ignored, ['tool_choice.web_search_preview']);
  });

  it('maps reasoning to thinking and its budget, below the output cap', () => {
    const thinking = (reasoning: unknown, max?: number) => {
      const { request, options } = parseResponsesRequest({ model: MODEL, input: 'hi', reasoning, max_output_tokens: max });
      return [request.thinking, request.thinkingBudget, options.reasoningSummary];
    };
    assert.deepEqual(thinking(undefined), [false, undefined, false]);
    assert.deepEqual(thinking({ effort: 'none' }), [false, undefined, false]);
    assert.deepEqual(thinking({ effort: 'low' }), [true, 4096, false]);
    assert.deepEqual(thinking({ effort: 'high', summary: 'auto' }), [true, 24_000, true]);
    assert.deepEqual(thinking({ summary: 'detailed' }), [true, undefined, true]);
    assert.deepEqual(thinking({ effort: 'medium' }, 2000), [true, undefined, false]);
  });

  it('takes text.format as structured output and echoes the settings', () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } } };
    const parsed = parseResponsesRequest({
      model: MODEL,
      input: 'hi',
      text: { format: { type: 'json_schema', name: 'n', schema, strict: true } },
      store: false,
      metadata: { a: 'b' },
      include: ['reasoning.encrypted_content'],
    });
    // Closed, as the Messages API requires.
    assert.deepEqual(parsed.request.jsonSchema, { ...schema, additionalProperties: false });
    assert.equal(parsed.options.store, false);
    assert.equal(parsed.options.encryptedReasoning, true);
    assert.deepEqual(parsed.options.echo.metadata, { a: 'b' });
    assert.deepEqual(parseResponsesRequest({ model: MODEL, input: 'x', text: { format: { type: 'json_object' } } }).request.jsonSchema, {
      type: 'object',
      additionalProperties: true,
    });
  });

  it('refuses what it cannot serve, naming the field', () => {
    assert.equal(refusedAt({ model: MODEL, input: [] }), 'input');
    assert.equal(
      refusedAt({ model: MODEL, input: 'x', tools: [{ type: 'function', name: 'f', parameters: { type: 'string' } }] }),
      'tools.0.parameters',
    );
    assert.equal(refusedAt({ model: MODEL, input: 'x', tool_choice: { type: 'function', name: 'nope' } }), 'tool_choice.name');
    assert.equal(refusedAt({ model: MODEL, input: 'x', background: true }), 'background');
    assert.equal(refusedAt({ model: MODEL, input: 'x', prompt: { id: 'pmpt_1' } }), 'prompt');
    assert.equal(
      refusedAt({ model: MODEL, input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file_1' }] }] }),
      'input.0.content.0.file_data',
    );
    assert.equal(refusedAt({ model: MODEL, input: [{ role: 'tool', content: 'x' }] }), 'input.0.role');
  });
});
