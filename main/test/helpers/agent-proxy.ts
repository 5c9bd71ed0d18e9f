// The set-up the agent client tests share: the proxy driving the real pinned CLI (warm pool on, as
// by default), the CLI talking to the loopback mock of the Messages API, which answers tool calls.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockAnthropicApi, type MockApi, type MockApiRequest } from '../fixtures/mock-anthropic-api.js';
import { realCliEnv, realCliPath } from '../fixtures/real-cli.js';
import { startTestProxy, type TestProxy } from './test-proxy.js';

export const MODEL = 'claude-sonnet-4-5';

export interface AgentProxy {
  mock: MockApi;
  proxy: TestProxy;
  /** The Messages API calls the mock has received from the proxy's CLIs since `since` (a count). */
  calls(since?: number): MockApiRequest[];
  close(): Promise<void>;
}

export async function startAgentProxy(): Promise<AgentProxy> {
  const mock = await startMockAnthropicApi();
  const home = await mkdtemp(path.join(tmpdir(), 'ccp-agent-home-'));
  const proxy = await startTestProxy({ cliPath: realCliPath, env: realCliEnv(mock.url, home), settings: { pool: { enabled: true } } });
  return {
    mock,
    proxy,
    calls: (since = 0) => mock.requests.slice(since).filter((r) => r.path === '/v1/messages'),
    async close() {
      await proxy.close();
      await mock.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** The names of the tools the model was offered in a call (without the CLI's deferred placeholder). */
export function offeredTools(call: MockApiRequest): string[] {
  return (call.body.tools ?? []).filter((t: any) => t.defer_loading !== true).map((t: any) => t.name);
}

/**
 * The model saw a real tool round trip in `call`: its last user turn holds the tool_result for the
 * tool_use of the assistant turn before it, under the same id, with `content` in it.
 */
export function assertToolRoundTrip(call: MockApiRequest, toolName: string, content: string): void {
  const turns = (call.body.messages as any[]).filter((m) => m.role === 'user' || m.role === 'assistant');
  const [assistant, user] = turns.slice(-2);
  assert.equal(assistant?.role, 'assistant', JSON.stringify(turns));
  const toolUse = assistant.content.find((b: any) => b.type === 'tool_use');
  assert.equal(toolUse?.name, toolName, JSON.stringify(assistant.content));
  const toolResult = user.content.find((b: any) => b.type === 'tool_result');
  assert.equal(toolResult?.tool_use_id, toolUse.id, JSON.stringify(user.content));
  const text = typeof toolResult.content === 'string' ? toolResult.content : toolResult.content.map((b: any) => b.text ?? '').join('');
  assert.ok(text.includes(content), text);
}
