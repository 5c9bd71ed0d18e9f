import { createOpenAI } from '@ai-sdk/openai';
import { Agent, OpenAIProvider, Runner, tool as agentTool } from '@openai/agents';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { type MockApi, type MockApiRequest } from './fixtures/mock-anthropic-api.js';
import { startAgentProxy, type AgentProxy } from './helpers/agent-proxy.js';
import type { TestProxy } from './helpers/test-proxy.js';

/**
 * Agent frameworks whose OpenAI default is the Responses API, against the
 * proxy (real CLI, loopback mock): the OpenAI Agents SDK and the Vercel AI
 * SDK's `openai(...)` provider. Each runs the function tool the mock model
 * calls, sends its output back, and ends with the mock's answer to it.
 */

const MODEL = 'claude-sonnet-4-5';

function toolResultOf(call: MockApiRequest): unknown {
  const last = call.body.messages.filter((m: { role: string }) => m.role === 'user').at(-1);
  const result = (last.content as Record<string, unknown>[]).find((block) => block.type === 'tool_result');
  const content = result?.content;
  return typeof content === 'string' ? content.split('\n\n<system-reminder>')[0] : content;
}

describe('Responses API clients through the real CLI', { timeout: 600_000 }, () => {
  let mock: MockApi;
  let agent: AgentProxy;
  let proxy: TestProxy;

  before(async () => {
    agent = await startAgentProxy();
    ({ mock, proxy } = agent);
  });
  after(async () => {
    await agent.close();
  });

  const responsesCalls = () => proxy.proxy.requests().filter((record) => record.api === 'responses' && record.method === 'POST');

  test('OpenAI Agents SDK, default (Responses) model: run() calls the function tool and ends with the answer', async () => {
    const before = responsesCalls().length;
    const cities: string[] = [];
    const getWeather = agentTool({
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        cities.push(city);
        return `${city}: sunny, 21 C`;
      },
    });
    const agent = new Agent({ name: 'Weather', instructions: 'Be brief.', model: MODEL, tools: [getWeather] });
    // Traces would go to OpenAI's servers.
    const runner = new Runner({
      modelProvider: new OpenAIProvider({ apiKey: 'dummy', baseURL: `${proxy.url}/v1` }),
      tracingDisabled: true,
    });
    const result = await runner.run(agent, 'Weather in Lima? [[input:{"city":"Lima"}]]');
    assert.deepEqual(cities, ['Lima']);
    assert.equal(result.finalOutput, 'Result received: Lima: sunny, 21 C');
    assert.equal(responsesCalls().length - before, 2);
    assert.equal(toolResultOf(mock.requests.at(-1)!), 'Lima: sunny, 21 C');
  });

  test('OpenAI Agents SDK, streamed run', async () => {
    const agent = new Agent({ name: 'Echo', instructions: 'Repeat.', model: MODEL });
    const runner = new Runner({
      modelProvider: new OpenAIProvider({ apiKey: 'dummy', baseURL: `${proxy.url}/v1` }),
      tracingDisabled: true,
    });
    const result = await runner.run(agent, 'ECHO:streamed through the agent', { stream: true });
    let text = '';
    for await (const chunk of result.toTextStream()) text += chunk;
    await result.completed;
    assert.equal(text, 'streamed through the agent');
    assert.equal(result.finalOutput, 'streamed through the agent');
  });

  test('Vercel AI SDK openai(...): generateText runs the tool and ends with the answer; streamText streams', async () => {
    const openai = createOpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'dummy' });
    const before = responsesCalls().length;
    const calls: string[] = [];
    const result = await generateText({
      model: openai(MODEL),
      tools: {
        weather: tool({
          description: 'The weather in a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => {
            calls.push(city);
            return `${city}: sunny, 21 C`;
          },
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      prompt: 'Weather in Oslo? [[input:{"city":"Oslo"}]]',
    });
    assert.deepEqual(calls, ['Oslo']);
    assert.equal(result.steps[0]?.finishReason, 'tool-calls');
    assert.equal(result.text, 'Result received: Oslo: sunny, 21 C');
    assert.equal(responsesCalls().length - before, 2, 'both steps went to /v1/responses');

    const streamed = streamText({ model: openai(MODEL), maxRetries: 0, prompt: 'ECHO:streamed by the AI SDK' });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    assert.equal(text, 'streamed by the AI SDK');
    assert.equal(await streamed.finishReason, 'stop');
  });
});
