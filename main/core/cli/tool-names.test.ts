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
