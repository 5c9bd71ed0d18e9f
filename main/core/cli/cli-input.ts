import type { ChatMessage, ChatRequest, CliBlock } from '../api/chat-request.js';
import { asBlocks } from '../api/content.js';

/**
 * What is written to the CLI's stdin for one request. The system prompt and
 * the client's tools go in through the `initialize` control request (which
 * also replaces Claude Code's agent prompt, so a bare request never gets it).
 * Tools are declared as an in-process MCP server whose manifest is given in
 * full, so the CLI asks nothing back; with CLAUDE_AGENT_SDK_MCP_NO_PREFIX the
 * model sees the client's own names.
 *
 * Every past turn is replayed as a real turn. The CLI processes user lines
 * later than assistant lines, so written together they land out of order: each
 * past user turn is written with `shouldQuery: false` and the next line only
 * after the CLI acknowledges it (a `result` with no API call). Past assistant
 * turns are written at once. The last user turn is the one that queries.
 */

export const MCP_SERVER = 'client';

/** A step of the replay: a user line (acknowledged unless it queries) or an assistant turn. */
export type ReplayStep = { role: 'user'; line: string; query: boolean } | { role: 'assistant'; content: CliBlock[] };

const PREFILL_NOTE = 'Continue your last message from exactly where it stops, without repeating any of it.';

/** Names the CLI must report in `system/init` for the request to run with its tools. */
export function declaredToolNames(request: Pick<ChatRequest, 'tools'>): string[] {
  return request.tools.map((tool) => tool.name);
}

export function initializeLine(request: Pick<ChatRequest, 'system' | 'tools'>): string {
  const { tools } = request;
  const mcp =
    tools.length === 0
      ? {}
      : {
          sdkMcpServers: [MCP_SERVER],
          sdkMcpServerManifests: {
            [MCP_SERVER]: {
              initializeResult: {
                protocolVersion: '2025-11-25',
                capabilities: { tools: {} },
                serverInfo: { name: MCP_SERVER, version: '1.0.0' },
              },
              toolsListResult: {
                tools: tools.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema })),
              },
            },
          },
        };
  return JSON.stringify({
    type: 'control_request',
    request_id: 'init',
    request: { subtype: 'initialize', systemPrompt: request.system === undefined ? [] : [request.system], ...mcp },
  });
}

export function userLine(content: ChatMessage['content'], query: boolean): string {
  const line = { type: 'user', message: { role: 'user', content }, ...(query ? {} : { shouldQuery: false }), client_composed: true };
  return JSON.stringify(line);
}

/** `model` must be the id the CLI resolved, or it drops the turn's thinking blocks. */
export function assistantLine(content: CliBlock[], model: string): string {
  return JSON.stringify({ type: 'assistant', message: { role: 'assistant', model, content } });
}

/**
 * The turns in writing order. A conversation that ends with an assistant turn
 * (a prefill) is replayed whole and continued by a short user request, as the
 * CLI cannot answer from inside an assistant turn.
 */
export function replaySteps(conversation: readonly ChatMessage[]): ReplayStep[] {
  // An empty last assistant turn (allowed by the API) prefills nothing: it is left out.
  const last = conversation.at(-1);
  const messages = last?.role === 'assistant' && last.content.length === 0 ? conversation.slice(0, -1) : conversation;
  const steps: ReplayStep[] = messages.map((message, index) =>
    message.role === 'user'
      ? { role: 'user', line: userLine(message.content, index === messages.length - 1), query: index === messages.length - 1 }
      : { role: 'assistant', content: asBlocks(message.content) },
  );
  if (messages.at(-1)?.role !== 'user')
    steps.push({ role: 'user', line: userLine([{ type: 'text', text: PREFILL_NOTE }], true), query: true });
  return steps;
}
