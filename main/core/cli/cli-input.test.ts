import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage } from '../api/chat-request.js';
import { assistantLine, initializeLine, replaySteps, userLine } from './cli-input.js';

const weather = {
  name: 'get_weather',
  description: 'Weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
};

describe('initializeLine', () => {
  it('carries the system prompt, or an empty one so the agent prompt is never used', () => {
    assert.deepEqual(JSON.parse(initializeLine({ system: 'Be terse.', tools: [] })), {
      type: 'control_request',
      request_id: 'init',
      request: { subtype: 'initialize', systemPrompt: ['Be terse.'] },
    });
    assert.deepEqual(JSON.parse(initializeLine({ system: undefined, tools: [] })).request.systemPrompt, []);
  });

  it('declares client tools in an in-process MCP manifest, names, descriptions and schemas as given', () => {
    const request = JSON.parse(initializeLine({ system: undefined, tools: [weather] })).request;
    assert.deepEqual(request.sdkMcpServers, ['client']);
    assert.deepEqual(request.sdkMcpServerManifests.client.toolsListResult.tools, [
      { name: 'get_weather', description: 'Weather for a city', inputSchema: weather.inputSchema },
    ]);
  });
});

describe('replaySteps', () => {
  const user = (content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });
  const assistant = (content: ChatMessage['content']): ChatMessage => ({ role: 'assistant', content });

  it('one user message is one querying line', () => {
    assert.deepEqual(replaySteps([user('Hi')]), [{ role: 'user', line: userLine('Hi', true), query: true }]);
    assert.deepEqual(JSON.parse(userLine('Hi', true)), { type: 'user', message: { role: 'user', content: 'Hi' }, client_composed: true });
  });

  it('past user turns do not query; assistant turns become blocks; the last user turn queries', () => {
    const call = { type: 'tool_use' as const, id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } };
    const result = { type: 'tool_result' as const, tool_use_id: 'toolu_1', content: '21C' };
    const steps = replaySteps([user('Weather?'), assistant([call]), user([result]), assistant('It is 21C.'), user('Thanks')]);
    assert.deepEqual(
      steps.map((step) => (step.role === 'user' ? `user:${step.query}` : 'assistant')),
      ['user:false', 'assistant', 'user:false', 'assistant', 'user:true'],
    );
    assert.deepEqual(JSON.parse((steps[0] as { line: string }).line), {
      type: 'user',
      message: { role: 'user', content: 'Weather?' },
      shouldQuery: false,
      client_composed: true,
    });
    assert.deepEqual(steps[3], { role: 'assistant', content: [{ type: 'text', text: 'It is 21C.' }] });
  });

  it('an empty last assistant turn is left out: the user turn before it queries', () => {
    assert.deepEqual(replaySteps([user('Hi'), assistant('')]), [{ role: 'user', line: userLine('Hi', true), query: true }]);
  });

  it('a conversation ending with an assistant turn is continued by a user request', () => {
    const steps = replaySteps([user('Count to 5'), assistant('1, 2,')]);
    assert.equal(steps.length, 3);
    assert.match(JSON.parse((steps[2] as { line: string }).line).message.content[0].text, /Continue/);
  });

  it('assistant lines name the model, so the CLI keeps their thinking blocks', () => {
    const thinking = { type: 'thinking' as const, thinking: 'hmm', signature: 'sig' };
    assert.deepEqual(JSON.parse(assistantLine([thinking], 'claude-sonnet-4-5')), {
      type: 'assistant',
      message: { role: 'assistant', model: 'claude-sonnet-4-5', content: [thinking] },
    });
  });
});
