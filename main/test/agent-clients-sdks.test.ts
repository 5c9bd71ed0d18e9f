import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import Anthropic from '@anthropic-ai/sdk';
import { betaZodTool } from '@anthropic-ai/sdk/helpers/beta/zod';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { MODEL, assertToolRoundTrip, offeredTools, startAgentProxy, type AgentProxy } from './helpers/agent-proxy.js';

/**
 * The vendors' own agent loops against the proxy: the OpenAI Agents SDK on chat completions, and
 * the Anthropic SDK's tool runner on the Messages API. Each runs the tool the mock model asks for
 * and finishes with the mock's answer to the result.
 */

describe('vendor agent loops through the proxy (real CLI, mock API)', { timeout: 300_000 }, () => {
  let agent: AgentProxy;
  before(async () => {
    agent = await startAgentProxy();
  });
  after(() => agent?.close());

  test('OpenAI Agents SDK: run() calls the function tool and ends with the answer', async () => {
    // Traces would go to OpenAI's servers.
    setTracingDisabled(true);
    const since = agent.mock.requests.length;
    const cities: string[] = [];
    const getWeather = tool({
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        cities.push(city);
        return `${city}: sunny, 21 C`;
      },
    });
    const weatherAgent = new Agent({ name: 'Weather', instructions: 'Be brief.', model: MODEL, tools: [getWeather] });
    const runner = new Runner({
      modelProvider: new OpenAIProvider({ apiKey: 'dummy', baseURL: `${agent.proxy.url}/v1`, useResponses: false }),
      tracingDisabled: true,
    });
    const result = await runner.run(weatherAgent, 'Weather in Lima? [[input:{"city":"Lima"}]]');
    assert.deepEqual(cities, ['Lima']);
    assert.equal(result.finalOutput, 'Result received: Lima: sunny, 21 C');
    const [first, second] = agent.calls(since);
    assert.deepEqual(offeredTools(first!), ['get_weather']);
    assertToolRoundTrip(second!, 'get_weather', 'Lima: sunny, 21 C');
  });

  // The runner's default is a message thread: it sends only the new turn, with `thread: {type:"continue",
  // previous_message_id}`. The proxy keeps no threads and answers 404 thread_not_found, on which the SDK
  // sends the whole conversation. `thread: false` sends the full history from the start.
  for (const threaded of [false, true]) {
    test(`Anthropic SDK: beta.messages.toolRunner runs the tool and finishes (${threaded ? 'threaded' : 'full history'})`, async () => {
      const since = agent.mock.requests.length;
      const anthropic = new Anthropic({ baseURL: agent.proxy.url, apiKey: 'dummy', maxRetries: 0 });
      const cities: string[] = [];
      const getWeather = betaZodTool({
        name: 'get_weather',
        description: 'The weather in a city',
        inputSchema: z.object({ city: z.string() }),
        run: async ({ city }) => {
          cities.push(city);
          return `${city}: sunny, 21 C`;
        },
      });
      const final = await anthropic.beta.messages.toolRunner({
        model: MODEL,
        max_tokens: 1024,
        max_iterations: 3,
        tools: [getWeather],
        messages: [{ role: 'user', content: 'Weather in Quito? [[input:{"city":"Quito"}]]' }],
        ...(threaded ? {} : { thread: false as const }),
      });
      assert.deepEqual(cities, ['Quito']);
      assert.equal(final.stop_reason, 'end_turn');
      assert.deepEqual(final.content, [{ type: 'text', text: 'Result received: Quito: sunny, 21 C' }]);
      assertToolRoundTrip(agent.calls(since).at(-1)!, 'get_weather', 'Quito: sunny, 21 C');
    });
  }
});
