import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type MockApi } from './fixtures/mock-anthropic-api.js';
import { lastCall, received, startAgentProxy, type AgentProxy } from './helpers/agent-proxy.js';
import type { TestProxy } from './helpers/test-proxy.js';

/**
 * Client tools, structured output and real multi-turn conversations with the
 * real CLI behind the proxy and the loopback mock answering `tool_use`: what
 * each official SDK gets back, and what the model received.
 */

const MODEL = 'claude-sonnet-4-5';
const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } as Anthropic.Tool.InputSchema;
const anthropicTools: Anthropic.Tool[] = [
  { name: 'get_weather', description: 'Current weather for a city', input_schema: weatherSchema },
  { name: 'get_time', description: 'Local time in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
];
const openaiTools: OpenAI.ChatCompletionTool[] = anthropicTools.map((tool) => ({
  type: 'function',
  function: { name: tool.name, description: tool.description!, parameters: tool.input_schema },
}));

describe('client tools through the real CLI', { timeout: 600_000 }, () => {
  let mock: MockApi;
  let agent: AgentProxy;
  let proxy: TestProxy;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    agent = await startAgentProxy();
    ({ mock, proxy } = agent);
    openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'dummy', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'dummy', maxRetries: 0 });
  });
  after(async () => {
    await agent.close();
  });

  test('anthropic: a tool call, then its result as a real turn with the same id', async () => {
    const first = await anthropic.messages.create({
      model: MODEL,
      max_tokens: 200,
      tools: anthropicTools,
      messages: [{ role: 'user', content: 'Weather in Paris? [[tool:get_weather]] [[pretext]] [[input:{"city":"Paris"}]]' }],
    });
    assert.equal(first.stop_reason, 'tool_use');
    assert.deepEqual(first.content[0], { type: 'text', text: 'Let me check that.' });
    const call = first.content[1] as Anthropic.ToolUseBlock;
    assert.equal(call.type, 'tool_use');
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(call.input, { city: 'Paris' });
    // The model saw the client's own names, descriptions and schemas.
    const declared = lastCall(mock).body.tools.map((tool: Record<string, unknown>) => [tool.name, tool.description]);
    assert.deepEqual(declared, [
      ['get_time', 'Local time in a city'],
      ['get_weather', 'Current weather for a city'],
    ]);

    const history: Anthropic.MessageParam[] = [
      { role: 'user', content: 'Weather in Paris? [[tool:get_weather]] [[pretext]] [[input:{"city":"Paris"}]]' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21C' }] },
    ];
    const second = await anthropic.messages.create({ model: MODEL, max_tokens: 200, tools: anthropicTools, messages: history });
    assert.equal(second.stop_reason, 'end_turn');
    assert.equal((second.content[0] as Anthropic.TextBlock).text, 'Result received: sunny, 21C');
    assert.deepEqual(received(lastCall(mock)), [
      { role: 'user', content: 'Weather in Paris? [[tool:get_weather]] [[pretext]] [[input:{"city":"Paris"}]]' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check that.' },
          { type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21C' }] },
    ]);
  });

  test('anthropic, streamed: parallel calls assembled by the SDK', async () => {
    const stream = anthropic.messages.stream({
      model: MODEL,
      max_tokens: 200,
      tools: anthropicTools,
      messages: [{ role: 'user', content: 'Both, please [[tool:get_weather]] [[parallel]]' }],
    });
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const calls = final.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
    assert.deepEqual(
      calls.map((c) => c.name),
      ['get_weather', 'get_time'],
    );
    assert.deepEqual(calls[0]!.input, { city: 'mock' });
    assert.notEqual(calls[0]!.id, calls[1]!.id);
  });

  test('anthropic: tool_choice and disable_parallel_tool_use reach the model', async () => {
    const message = await anthropic.messages.create({
      model: MODEL,
      max_tokens: 200,
      tools: anthropicTools,
      tool_choice: { type: 'tool', name: 'get_time', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'What time is it in Oslo? [[parallel]]' }],
    });
    assert.deepEqual(lastCall(mock).body.tool_choice, { type: 'tool', name: 'get_time', disable_parallel_tool_use: true });
    assert.deepEqual(
      message.content.map((block) => (block.type === 'tool_use' ? block.name : block.type)),
      ['get_time'],
    );
  });

  test('openai: tool_calls, then a tool message answered as a real turn', async () => {
    const first = await openai.chat.completions.create({
      model: MODEL,
      tools: openaiTools,
      messages: [{ role: 'user', content: 'Weather in Paris? [[tool:get_weather]] [[input:{"city":"Paris"}]]' }],
    });
    const choice = first.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

    const second = await openai.chat.completions.create({
      model: MODEL,
      tools: openaiTools,
      messages: [
        { role: 'user', content: 'Weather in Paris? [[tool:get_weather]] [[input:{"city":"Paris"}]]' },
        choice.message,
        { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' },
      ],
    });
    assert.equal(second.choices[0]!.finish_reason, 'stop');
    assert.equal(second.choices[0]!.message.content, 'Result received: {"temp":21}');
    assert.deepEqual(received(lastCall(mock)).slice(1), [
      { role: 'assistant', content: [{ type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '{"temp":21}' }] },
    ]);
  });

  test('openai, streamed: delta.tool_calls assembled by the SDK; a named tool_choice is forced', async () => {
    const stream = openai.chat.completions.stream({
      model: MODEL,
      tools: openaiTools,
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      parallel_tool_calls: false,
      messages: [{ role: 'user', content: 'Time in Oslo? [[input:{"city":"Oslo"}]]' }],
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(call.function.name, 'get_time');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
    assert.deepEqual(lastCall(mock).body.tool_choice, { type: 'tool', name: 'get_time', disable_parallel_tool_use: true });
  });

  test('structured output: OpenAI json_schema, streamed and not, and Anthropic output_config.format', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, temp: { type: 'number' } }, required: ['city', 'temp'] };
    const completion = await openai.chat.completions.create({
      model: MODEL,
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema, strict: true } },
      messages: [{ role: 'user', content: 'Weather in Oslo as JSON' }],
    });
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(JSON.parse(completion.choices[0]!.message.content!), { city: 'mock', temp: 1 });
    // The API's own structured output: the schema (its objects closed, as the API requires) in output_config.format.
    assert.deepEqual(lastCall(mock).body.output_config.format, { type: 'json_schema', schema: { ...schema, additionalProperties: false } });
    assert.equal(lastCall(mock).body.tool_choice, undefined);

    const stream = await openai.chat.completions.create({
      model: MODEL,
      stream: true,
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'JSON please [[json:{"ok":true}]]' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.deepEqual(JSON.parse(text), { ok: true });

    const message = await anthropic.messages.create({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Weather as JSON' }],
      output_config: { format: { type: 'json_schema', schema } },
    } as Anthropic.MessageCreateParamsNonStreaming);
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(JSON.parse((message.content[0] as Anthropic.TextBlock).text), { city: 'mock', temp: 1 });
  });

  test('a long conversation reaches the model as the same turns: text exact, images, thinking with its signature', async () => {
    const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const history: Anthropic.MessageParam[] = [
      { role: 'user', content: 'First,\n  with  spaces\tand tabs.' },
      { role: 'assistant', content: [{ type: 'text', text: 'Noted.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'A picture:' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Tiny image.', signature: 'EqSig==' },
          { type: 'tool_use', id: 'toolu_hist1', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_hist1', content: [{ type: 'text', text: 'rainy' }], is_error: true }],
      },
      { role: 'assistant', content: 'It failed.' },
      { role: 'user', content: 'ECHO:done' },
    ];
    const message = await anthropic.messages.create({
      model: MODEL,
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: anthropicTools,
      messages: history,
    });
    assert.equal(message.stop_reason, 'tool_use');
    const got = received(lastCall(mock));
    assert.equal(got.length, history.length);
    assert.deepEqual(got.slice(0, 5), [
      history[0],
      history[1],
      history[2],
      history[3],
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_hist1', content: [{ type: 'text', text: 'rainy' }], is_error: true }],
      },
    ]);
    assert.deepEqual(got[5], { role: 'assistant', content: [{ type: 'text', text: 'It failed.' }] });
  });

  test('documents (PDF, plain text), search results and OpenAI file parts reach the model as blocks', async () => {
    const PDF = 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK';
    const pdf = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'Report' };
    const text = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes.' } };
    const search = { type: 'search_result', source: 'https://docs.test/a', title: 'A', content: [{ type: 'text', text: 'Found it.' }] };
    await anthropic.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: [pdf, text, search, { type: 'text', text: 'ECHO:read' }] } as Anthropic.MessageParam],
    });
    const blocks = (received(lastCall(mock)).at(-1)!.content as { type: string }[]).filter((b) => b.type !== 'text');
    assert.deepEqual(blocks, [pdf, text, search]);

    await openai.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF}`, filename: 'report.pdf' } },
            { type: 'text', text: 'ECHO:read' },
          ],
        },
      ],
    });
    const sent = (received(lastCall(mock)).at(-1)!.content as { type: string }[]).filter((b) => b.type === 'document');
    assert.deepEqual(sent, [
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'report.pdf' },
    ]);
  });

  test('tools named like the CLI’s own (Agent, ToolSearch, as Claude Code declares them) are offered and called by their names', async () => {
    const tools: Anthropic.Tool[] = ['Agent', 'ToolSearch', 'Read'].map((name) => ({
      name,
      description: `${name} tool`,
      input_schema: { type: 'object', properties: { q: { type: 'string' } } },
    }));
    const message = await anthropic.messages.create({
      model: MODEL,
      max_tokens: 100,
      tools,
      messages: [{ role: 'user', content: 'Go [[tool:Agent_tool]] [[input:{"q":"x"}]]' }],
    });
    const offered = lastCall(mock).body.tools.map((tool: { name: string }) => tool.name);
    assert.equal(offered.length, 3, `offered: ${offered.join(', ')}`);
    const call = message.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')!;
    assert.equal(call.name, 'Agent');
    const follow = await anthropic.messages.create({
      model: MODEL,
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'Go' },
        { role: 'assistant', content: [call] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'done' }] },
      ],
    });
    assert.equal((follow.content[0] as Anthropic.TextBlock).text, 'Result received: done');
  });

  test('call ids repeated across turns (call_0 each turn) keep every call and its result', async () => {
    const call = (city: string) => ({
      id: 'call_0',
      type: 'function' as const,
      function: { name: 'get_weather', arguments: JSON.stringify({ city }) },
    });
    const completion = await openai.chat.completions.create({
      model: MODEL,
      tools: openaiTools,
      messages: [
        { role: 'user', content: 'Weather in Oslo, then Rome?' },
        { role: 'assistant', content: null, tool_calls: [call('Oslo')] },
        { role: 'tool', tool_call_id: 'call_0', content: 'cold' },
        { role: 'assistant', content: null, tool_calls: [call('Rome')] },
        { role: 'tool', tool_call_id: 'call_0', content: 'warm' },
      ],
    });
    assert.equal(completion.choices[0]!.message.content, 'Result received: warm');
    const turns = received(lastCall(mock)).slice(1);
    assert.deepEqual(
      turns.map((turn) =>
        (turn.content as { type: string; id?: string; tool_use_id?: string }[]).map((b) => `${b.type}:${b.id ?? b.tool_use_id}`),
      ),
      [['tool_use:call_0'], ['tool_result:call_0'], ['tool_use:call_0-2'], ['tool_result:call_0-2']],
    );
  });

  test('server tools the CLI cannot offer are named in X-Claude-Proxy-Ignored; the client tools still work', async () => {
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 100,
        tools: [{ type: 'web_search_20250305', name: 'web_search' }, anthropicTools[0]],
        messages: [{ role: 'user', content: 'Search' }],
      }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-claude-proxy-ignored') ?? '', /tools\.0\.web_search_20250305/);
    const body = (await res.json()) as Anthropic.Message;
    assert.equal(body.stop_reason, 'tool_use');
  });

  test('Claude Code’s role:"system" messages join the system prompt', async () => {
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 100,
        system: 'Top.',
        messages: [
          { role: 'user', content: 'ECHO:ok' },
          { role: 'system', content: [{ type: 'text', text: 'Mid-conversation note.', cache_control: { type: 'ephemeral' } }] },
        ],
      }),
    });
    assert.equal(res.status, 200);
    const system = lastCall(mock).body.system as { text: string }[];
    assert.equal(system.at(-1)!.text, 'Top.\n\nMid-conversation note.');
  });
});
