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

/** The last Messages API call the mock received. */
export function lastCall(mock: MockApi): MockApiRequest {
  return mock.requests.filter((r) => r.path === '/v1/messages').at(-1)!;
}

/** The conversation the model received, without the CLI's own context (system reminders) and cache hints. */
export function received(call: MockApiRequest): { role: string; content: unknown }[] {
  const strip = (block: Record<string, unknown>): unknown => {
    const rest = { ...block };
    delete rest.cache_control;
    if (rest.type === 'tool_result' && typeof rest.content === 'string') rest.content = rest.content.split('\n\n<system-reminder>')[0];
    if (rest.type === 'tool_result' && Array.isArray(rest.content)) {
      rest.content = (rest.content as Record<string, unknown>[])
        .filter((part) => !(part.type === 'text' && String(part.text).startsWith('<system-reminder>')))
        .map(strip);
    }
    return rest;
  };
  return call.body.messages.map((m: { role: string; content: unknown }) => ({
    role: m.role,
    content:
      typeof m.content === 'string'
        ? m.content
        : (m.content as Record<string, unknown>[])
            .filter((b) => !(b.type === 'text' && String(b.text).startsWith('<system-reminder>')))
            .map(strip),
  }));
}
