import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { Output, generateObject, generateText, stepCountIs, streamText, tool, type LanguageModel } from 'ai';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { MODEL, assertToolRoundTrip, offeredTools, startAgentProxy, type AgentProxy } from './helpers/agent-proxy.js';

/**
 * The Vercel AI SDK as an agent against the proxy, through both of its providers: the proxy declares
 * the SDK's tools to the real CLI, the mock model calls one, the SDK runs it and sends the result
 * back as a real turn, and the mock's answer to that turn is the final text.
 */

function weatherTool(calls: string[]) {
  return tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string().describe('The city') }),
    execute: async ({ city }) => {
      calls.push(city);
      return `${city}: sunny, 21 C`;
    },
  });
}

// No numeric bounds: for Anthropic's structured output the SDK moves them into descriptions, which the
// mock cannot read (a real model would), and then the SDK's own check of the answer fails.
const Person = z.object({ name: z.string(), age: z.number().int(), tags: z.array(z.enum(['red', 'blue'])) });
const MOCK_PERSON = { name: 'mock', age: 1, tags: ['red'] };

describe('Vercel AI SDK through the proxy (real CLI, mock API)', { timeout: 300_000 }, () => {
  let agent: AgentProxy;
  let providers: Array<[string, LanguageModel]>;
  before(async () => {
    agent = await startAgentProxy();
    providers = [
      ['anthropic', createAnthropic({ baseURL: `${agent.proxy.url}/v1`, apiKey: 'dummy' })(MODEL)],
      ['openai chat', createOpenAI({ baseURL: `${agent.proxy.url}/v1`, apiKey: 'dummy' }).chat(MODEL)],
    ];
  });
  after(() => agent?.close());

  test('generateText runs the tool and ends with the answer to its result, on both providers', async () => {
    for (const [name, model] of providers) {
      const since = agent.mock.requests.length;
      const calls: string[] = [];
      const result = await generateText({
        model,
        tools: { weather: weatherTool(calls) },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        prompt: 'What is the weather in Oslo?',
      });
      assert.deepEqual(calls, ['mock'], `${name}: the tool ran once, with the input the schema gave`);
      assert.equal(result.steps.length, 2, name);
      assert.equal(result.steps[0]?.finishReason, 'tool-calls', name);
      assert.equal(result.text, 'Result received: mock: sunny, 21 C', name);
      const [first, second] = agent.calls(since);
      assert.deepEqual(offeredTools(first!), ['weather'], name);
      assertToolRoundTrip(second!, 'weather', 'mock: sunny, 21 C');
    }
  });

  test('two calls in one step both run, and their results go back in one turn, on both providers', async () => {
    for (const [name, model] of providers) {
      const since = agent.mock.requests.length;
      const calls: string[] = [];
      const time = tool({
        description: 'The time in a city',
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => `12:00 in ${city}`,
      });
      const result = await generateText({
        model,
        tools: { weather: weatherTool(calls), time },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        prompt: 'Weather and time in Oslo? [[parallel]] [[tool:weather]] [[input:{"city":"Oslo"}]]',
      });
      const ids = result.steps[0]!.toolCalls.map((call) => call.toolCallId);
      assert.equal(ids.length, 2, name);
      assert.deepEqual(calls, ['Oslo'], name);
      // The mock answers several results with one `id: content` line each, in order.
      const lines = result.text.split('\n');
      assert.equal(lines[0], 'Result received:', name);
      assert.deepEqual(
        lines.slice(1).map((line) => line.replace(/^\S+: /, '')),
        ['Oslo: sunny, 21 C', '12:00 in mock'],
        name,
      );
      const last = agent.calls(since).at(-1)!.body.messages.at(-1);
      assert.equal(last.content.filter((b: { type: string }) => b.type === 'tool_result').length, 2, name);
    }
  });

  test('streamText streams the tool call, the result and the final text', async () => {
    const [, anthropic] = providers[0]!;
    const calls: string[] = [];
    const result = streamText({
      model: anthropic,
      tools: { weather: weatherTool(calls) },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      prompt: 'Weather in Rome? [[pretext]] [[input:{"city":"Rome"}]]',
    });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    assert.deepEqual(calls, ['Rome']);
    for (const type of ['tool-input-delta', 'tool-call', 'tool-result', 'text-delta', 'finish']) {
      assert.ok(parts.includes(type), `${type} in ${parts.join(' ')}`);
    }
    assert.equal(await result.text, 'Result received: Rome: sunny, 21 C');
    const steps = await result.steps;
    assert.equal(steps[0]?.text, 'Let me check that.');
  });

  test('generateObject, and generateText with Output.object, return the parsed object on both providers', async () => {
    for (const [name, model] of providers) {
      const since = agent.mock.requests.length;
      const { object } = await generateObject({ model, schema: Person, maxRetries: 0, prompt: 'Invent a person.' });
      assert.deepEqual(object, MOCK_PERSON, name);
      const call = agent.calls(since).at(-1)!;
      // Both APIs' structured output reaches the model as the Messages API's own output_config.format.
      assert.equal(call.body.output_config?.format?.type, 'json_schema', name);
      assert.deepEqual(Object.keys(call.body.output_config.format.schema.properties), ['name', 'age', 'tags'], name);
      const { output } = await generateText({ model, output: Output.object({ schema: Person }), maxRetries: 0, prompt: 'Again.' });
      assert.deepEqual(output, MOCK_PERSON, `${name}, Output.object`);
    }
  });
});
