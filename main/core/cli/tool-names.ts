import type { ChatMessage, ChatRequest, CliBlock, ToolChoice } from '../api/chat-request.js';

/**
 * Names the CLI keeps for itself even with its built-in tools off: a client
 * tool called `Agent` is not offered at all, and one called `ToolSearch` is
 * offered in `system/init` but left out of the API request. Claude Code, as a
 * client, declares both. Such a tool is declared to the CLI under another
 * name (`Agent_tool`), and the model's calls are renamed back, so the client
 * only ever sees its own names.
 */
const TAKEN = new Set(['Agent', 'ToolSearch']);

export interface CliToolView {
  /** The request as the CLI gets it: taken names replaced, in tools, tool_choice and earlier calls. */
  request: ChatRequest;
  /** The client's name for a tool the model called. */
  clientName: (cliName: string) => string;
}

export function cliToolView(request: ChatRequest): CliToolView {
  const names = new Set(request.tools.map((tool) => tool.name));
  const toCli = new Map<string, string>();
  for (const name of names) {
    if (!TAKEN.has(name)) continue;
    let alias = `${name}_tool`;
    for (let n = 2; names.has(alias) || TAKEN.has(alias); n++) alias = `${name}_tool${n}`;
    toCli.set(name, alias);
  }
  if (toCli.size === 0) return { request, clientName: (name) => name };
  const toClient = new Map([...toCli].map(([client, cli]) => [cli, client]));
  const rename = (name: string) => toCli.get(name) ?? name;
  const choice: ToolChoice =
    request.toolChoice.type === 'tool' ? { type: 'tool', name: rename(request.toolChoice.name) } : request.toolChoice;
  return {
    request: {
      ...request,
      tools: request.tools.map((tool) => ({ ...tool, name: rename(tool.name) })),
      toolChoice: choice,
      messages: request.messages.map((message) => renameCalls(message, rename)),
    },
    clientName: (name) => toClient.get(name) ?? name,
  };
}

function renameCalls(message: ChatMessage, rename: (name: string) => string): ChatMessage {
  if (typeof message.content === 'string') return message;
  const content: CliBlock[] = message.content.map((block) => (block.type === 'tool_use' ? { ...block, name: rename(block.name) } : block));
  return { ...message, content };
}
