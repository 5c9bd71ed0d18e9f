import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type MockApi, type MockApiRequest } from './fixtures/mock-anthropic-api.js';
import { lastCall, received, startAgentProxy, type AgentProxy } from './helpers/agent-proxy.js';
import type { TestProxy } from './helpers/test-proxy.js';

/**
 * The Responses API through the real CLI and the loopback mock, driven by the
 * official openai SDK: what it gets back, and what the model received.
 */

const MODEL = 'claude-sonnet-4-5';
// A 1×1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

function systemText(call: MockApiRequest): string {
  const system = call.body.system;
  return typeof system === 'string' ? system : (system as { text: string }[]).map((part) => part.text).join('\n');
}

describe('Responses API through the real CLI', { timeout: 600_000 }, () => {
  let mock: MockApi;
  let agent: AgentProxy;
  let proxy: TestProxy;
  let client: OpenAI;

  before(async () => {
    agent = await startAgentProxy();
    ({ mock, proxy } = agent);
    client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'dummy', maxRetries: 0 });
  });
  after(async () => {
    await agent.close();
  });

  test('text with instructions', async () => {
    const response = await client.responses.create({ model: MODEL, instructions: 'You are terse. Marker-7.', input: 'ECHO:plain answer' });
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'plain answer');
    assert.match(systemText(lastCall(mock)), /Marker-7/);
    assert.ok(response.usage!.input_tokens > 0);
  });

  test('an image as a data URL reaches the model as an image block', async () => {
    const response = await client.responses.create({
      model: MODEL,
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' },
          ],
        },
      ],
    });
    assert.equal(response.status, 'completed');
    const [turn] = received(lastCall(mock));
    assert.deepEqual((turn!.content as Record<string, unknown>[]).slice(0, 2), [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
    ]);
  });

  test('structured output: the answer is JSON fitting the schema', async () => {
    const response = await client.responses.create({
      model: MODEL,
      input: 'A city and its population, please.',
      text: {
        format: {
          type: 'json_schema',
          name: 'city',
          strict: true,
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, population: { type: 'integer' } },
            required: ['name', 'population'],
            additionalProperties: false,
          },
        },
      },
    });
    assert.equal(response.status, 'completed');
    const answer = JSON.parse(response.output_text);
    assert.equal(typeof answer.name, 'string');
    assert.equal(typeof answer.population, 'number');
    assert.deepEqual(response.text?.format, response.text?.format && { ...response.text.format, type: 'json_schema' });
  });

  test('responses.stream() assembles the streamed text', async () => {
    const deltas: string[] = [];
    const stream = client.responses.stream({ model: MODEL, input: 'ECHO:streamed words here' });
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    assert.equal(final.status, 'completed');
    assert.equal(final.output_text, 'streamed words here');
    assert.equal(deltas.join(''), 'streamed words here');
    assert.ok(deltas.length > 1);
  });

  test('a function call, then its output sent back as items, as real turns with the same id', async () => {
    const input: OpenAI.Responses.ResponseInput = [
      { role: 'user', content: 'Weather in Paris? [[tool:get_weather]] [[input:{"city":"Paris"}]]' },
    ];
    const first = await client.responses.create({ model: MODEL, tools: [weather], input, store: false });
    const call = first.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call');
    assert.ok(call);
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });

    const second = await client.responses.create({
      model: MODEL,
      tools: [weather],
      store: false,
      input: [...input, call, { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21C' }],
    });
    assert.equal(second.output_text, 'Result received: sunny, 21C');
    assert.deepEqual(received(lastCall(mock)), [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris? [[tool:get_weather]] [[input:{"city":"Paris"}]]' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: call.call_id, name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.call_id, content: 'sunny, 21C' }] },
    ]);
  });

  test('stream: true, a function call assembled from argument deltas', async () => {
    const stream = await client.responses.create({
      model: MODEL,
      tools: [weather],
      input: 'Weather? [[tool:get_weather]] [[input:{"city":"Oslo"}]]',
      stream: true,
    });
    const types: string[] = [];
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.ok(types.includes('response.function_call_arguments.delta'));
    assert.ok(types.includes('response.function_call_arguments.done'));
    const call = completed!.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Oslo' });
  });

  test('previous_response_id: the stored turns come first, as real turns', async () => {
    const first = await client.responses.create({ model: MODEL, input: 'ECHO:first answer', instructions: 'Old instructions.' });
    const second = await client.responses.create({ model: MODEL, input: 'ECHO:second answer', previous_response_id: first.id });
    assert.equal(second.output_text, 'second answer');
    assert.equal(second.previous_response_id, first.id);
    assert.deepEqual(received(lastCall(mock)), [
      { role: 'user', content: [{ type: 'text', text: 'ECHO:first answer' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'first answer' }] },
      { role: 'user', content: [{ type: 'text', text: 'ECHO:second answer' }] },
    ]);
    // As in OpenAI's API, instructions are not carried on to the next response.
    assert.doesNotMatch(systemText(lastCall(mock)), /Old instructions/);

    // A function call continued by its output alone.
    const call = await client.responses.create({
      model: MODEL,
      tools: [weather],
      input: 'Weather? [[tool:get_weather]] [[input:{"city":"Rome"}]]',
      previous_response_id: second.id,
    });
    const callItem = call.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    const answer = await client.responses.create({
      model: MODEL,
      tools: [weather],
      previous_response_id: call.id,
      input: [{ type: 'function_call_output', call_id: callItem.call_id, output: 'rainy' }],
    });
    assert.equal(answer.output_text, 'Result received: rainy');
    const turns = received(lastCall(mock));
    assert.equal(turns.length, 7);
    assert.deepEqual(turns[5], {
      role: 'assistant',
      content: [{ type: 'tool_use', id: callItem.call_id, name: 'get_weather', input: { city: 'Rome' } }],
    });
  });

  test('retrieve and delete', async () => {
    const created = await client.responses.create({ model: MODEL, input: 'ECHO:keep me' });
    const retrieved = await client.responses.retrieve(created.id);
    assert.equal(retrieved.id, created.id);
    assert.equal(retrieved.output_text, 'keep me');
    const items = await client.responses.inputItems.list(created.id);
    assert.equal(items.data.length, 1);
    await client.responses.delete(created.id);
    await assert.rejects(client.responses.retrieve(created.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });

  test('reasoning with a summary: the thinking is the reasoning item, streamed as summary deltas', async () => {
    const stream = client.responses.stream({
      model: 'claude-mock-thinking',
      input: 'Think first.',
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    const summary: string[] = [];
    stream.on('response.reasoning_summary_text.delta', (event) => summary.push(event.delta));
    const final = await stream.finalResponse();
    const reasoning = final.output.find((item) => item.type === 'reasoning') as OpenAI.Responses.ResponseReasoningItem;
    assert.ok(reasoning);
    assert.equal(summary.join(''), 'Let me think.');
    assert.deepEqual(reasoning.summary, [{ type: 'summary_text', text: 'Let me think.' }]);
    assert.ok(reasoning.encrypted_content);

    // Sent back, the reasoning item is the signed thinking block again.
    await client.responses.create({
      model: 'claude-mock-thinking',
      reasoning: { effort: 'low' },
      input: [
        { role: 'user', content: 'Think first.' },
        ...final.output,
        { role: 'user', content: 'And again.' },
      ] as OpenAI.Responses.ResponseInput,
    });
    const assistant = received(lastCall(mock))[1]!;
    assert.equal(assistant.role, 'assistant');
    assert.deepEqual((assistant.content as Record<string, unknown>[])[0], {
      type: 'thinking',
      thinking: 'Let me think.',
      signature: 'EqMockSignature==',
    });
  });

  test('the output cap makes an incomplete response', async () => {
    const response = await client.responses.create({ model: 'claude-mock-maxtokens', input: 'Hello', max_output_tokens: 3 });
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
  });
});
