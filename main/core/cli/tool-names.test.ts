import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../api/chat-request.js';
import { cliToolView } from './tool-names.js';

const schema = { type: 'object' };
const request = (extra: Partial<ChatRequest>): ChatRequest =>
  ({
    tools: [],
    toolChoice: { type: 'auto' },
    messages: [{ role: 'user', content: 'hi' }],
    ...extra,
  }) as ChatRequest;

describe('cliToolView', () => {
  it('leaves a request without taken names as it is', () => {
    const original = request({ tools: [{ name: 'Read', description: '', inputSchema: schema }] });
    const view = cliToolView(original);
    assert.equal(view.request, original);
    assert.equal(view.clientName('Read'), 'Read');
  });

  it('renames Agent and ToolSearch in tools, tool_choice and earlier calls, and names calls back', () => {
    const view = cliToolView(
      request({
        tools: [
          { name: 'Agent', description: 'a', inputSchema: schema },
          { name: 'Agent_tool', description: 'b', inputSchema: schema },
          { name: 'ToolSearch', description: 'c', inputSchema: schema },
        ],
        toolChoice: { type: 'tool', name: 'Agent' },
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'ToolSearch', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
        ],
      }),
    );
    assert.deepEqual(
      view.request.tools.map((tool) => tool.name),
      ['Agent_tool2', 'Agent_tool', 'ToolSearch_tool'],
    );
    assert.deepEqual(view.request.toolChoice, { type: 'tool', name: 'Agent_tool2' });
    assert.deepEqual((view.request.messages[1]!.content as { name: string }[])[0]!.name, 'ToolSearch_tool');
    assert.equal(view.clientName('Agent_tool2'), 'Agent');
    assert.equal(view.clientName('ToolSearch_tool'), 'ToolSearch');
    assert.equal(view.clientName('Agent_tool'), 'Agent_tool');
  });
});

describe('repeated call ids', () => {
  it('a repeated id and the result answering it are renamed; the first call keeps its id', () => {
    const call = (id: string) => ({ role: 'assistant' as const, content: [{ type: 'tool_use' as const, id, name: 'f', input: {} }] });
    const result = (id: string, text: string) => ({
      role: 'user' as const,
      content: [{ type: 'tool_result' as const, tool_use_id: id, content: text }],
    });
    const view = cliToolView(
      request({
        messages: [{ role: 'user', content: 'go' }, call('call_0'), result('call_0', 'one'), call('call_0'), result('call_0', 'two')],
      }),
    );
    const ids = view.request.messages.flatMap((message) =>
      typeof message.content === 'string'
        ? []
        : message.content.map((block) =>
            block.type === 'tool_use' ? `use:${block.id}` : block.type === 'tool_result' ? `result:${block.tool_use_id}` : '',
          ),
    );
    assert.deepEqual(ids, ['use:call_0', 'result:call_0', 'use:call_0-2', 'result:call_0-2']);
  });

  it('an id X_<n> beside X (which the CLI takes for a copy) is renamed as well', () => {
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a', content: 'one' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a_2', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a_2', content: 'two' }] },
    ];
    const renamed = cliToolView(request({ messages })).request.messages;
    assert.deepEqual((renamed[3]!.content as { id: string }[])[0]!.id, 'toolu_a_2-2');
    assert.deepEqual((renamed[4]!.content as { tool_use_id: string }[])[0]!.tool_use_id, 'toolu_a_2-2');
  });

  it('parallel calls sharing an id in one turn get their results in the order they were made', () => {
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_0', name: 'a', input: {} },
          { type: 'tool_use', id: 'call_0', name: 'b', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_0', content: 'result of a' },
          { type: 'tool_result', tool_use_id: 'call_0', content: 'result of b' },
        ],
      },
    ];
    const [, calls, results] = cliToolView(request({ messages })).request.messages;
    assert.deepEqual(
      (calls!.content as { id: string; name: string }[]).map((c) => `${c.name}:${c.id}`),
      ['a:call_0', 'b:call_0-2'],
    );
    assert.deepEqual(
      (results!.content as { tool_use_id: string; content: string }[]).map((r) => `${r.content}:${r.tool_use_id}`),
      ['result of a:call_0', 'result of b:call_0-2'],
    );
  });

  it('many repeats of one id are renamed in one pass, each unique', () => {
    const calls = Array.from({ length: 20_000 }, () => ({ type: 'tool_use' as const, id: 'a', name: 'f', input: {} }));
    const renamed = cliToolView(
      request({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: calls },
        ],
      }),
    ).request.messages[1]!.content as { id: string }[];
    assert.equal(new Set(renamed.map((c) => c.id)).size, 20_000);
  });

  it('leaves unique ids alone', () => {
    const original = request({ messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(cliToolView(original).request, original);
  });
});
