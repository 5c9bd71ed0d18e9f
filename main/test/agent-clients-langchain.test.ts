import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { MODEL, assertToolRoundTrip, offeredTools, startAgentProxy, type AgentProxy } from './helpers/agent-proxy.js';

/**
 * LangChain's chat models against the proxy, the OpenAI one on chat completions and the Anthropic
 * one on the Messages API: tool calls come back as `tool_calls`, a ToolMessage goes back as a real
 * turn, and structured output returns the parsed object.
 */

const getWeather = tool(async ({ city }) => `${city}: sunny, 21 C`, {
  name: 'get_weather',
  description: 'The weather in a city',
  schema: z.object({ city: z.string() }),
});
const getTime = tool(async ({ zone }) => `12:00 in ${zone}`, {
  name: 'get_time',
  description: 'The time in a time zone',
  schema: z.object({ zone: z.string() }),
});

// No numeric bounds: for Anthropic's structured output LangChain moves them into descriptions, which
// the mock cannot read (a real model would), and then its own check of the answer fails.
const Person = z.object({ name: z.string(), age: z.number().int() });

describe('LangChain chat models through the proxy (real CLI, mock API)', { timeout: 300_000 }, () => {
  let agent: AgentProxy;
  let models: Array<[string, BaseChatModel]>;
  before(async () => {
    agent = await startAgentProxy();
    models = [
      [
        'ChatOpenAI',
        new ChatOpenAI({
          model: MODEL,
          apiKey: 'dummy',
          maxRetries: 0,
          useResponsesApi: false,
          configuration: { baseURL: `${agent.proxy.url}/v1` },
        }),
      ],
      ['ChatAnthropic', new ChatAnthropic({ model: MODEL, apiKey: 'dummy', maxRetries: 0, anthropicApiUrl: agent.proxy.url })],
    ];
  });
  after(() => agent?.close());

  test('bindTools: the call comes back as tool_calls, the ToolMessage gets the final answer', async () => {
    for (const [name, model] of models) {
      const since = agent.mock.requests.length;
      const withTools = model.bindTools!([getWeather, getTime]);
      const question = new HumanMessage('Time in Tokyo? [[tool:get_time]] [[input:{"zone":"Asia/Tokyo"}]]');
      const reply = (await withTools.invoke([question])) as AIMessage;
      assert.deepEqual(
        reply.tool_calls?.map((call) => ({ name: call.name, args: call.args })),
        [{ name: 'get_time', args: { zone: 'Asia/Tokyo' } }],
        name,
      );
      const call = reply.tool_calls?.[0];
      assert.ok(call, name);
      const result: ToolMessage = await getTime.invoke(call);
      assert.equal(result.tool_call_id, call.id, name);
      const final = await withTools.invoke([question, reply, result]);
      assert.equal(final.text, 'Result received: 12:00 in Asia/Tokyo', name);
      assert.equal((final as AIMessage).tool_calls?.length ?? 0, 0, name);
      const [first, second] = agent.calls(since);
      assert.deepEqual(offeredTools(first!).sort(), ['get_time', 'get_weather'], name);
      assertToolRoundTrip(second!, 'get_time', '12:00 in Asia/Tokyo');
    }
  });

  // Defaults: ChatOpenAI asks with response_format json_schema, ChatAnthropic with a forced tool;
  // `jsonSchema` makes ChatAnthropic send output_config.format.
  test('withStructuredOutput returns the parsed object', async () => {
    for (const [name, model] of models) {
      const person = await model.withStructuredOutput(Person).invoke('Invent a person.');
      assert.deepEqual(person, { name: 'mock', age: 1 }, name);
    }
    const [, anthropic] = models[1]!;
    const person = await anthropic.withStructuredOutput(Person, { method: 'jsonSchema' }).invoke('Invent a person.');
    assert.deepEqual(person, { name: 'mock', age: 1 }, 'ChatAnthropic, jsonSchema');
  });
});
