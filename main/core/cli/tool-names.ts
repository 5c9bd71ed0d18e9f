import type { ChatMessage, ChatRequest, CliBlock, ToolChoice } from '../api/chat-request.js';

/**
 * Names the CLI keeps for itself even with its built-in tools off: a client
 * tool called `Agent` is not offered at all, and one called `ToolSearch` is
 * offered in `system/init` but left out of the API request. Claude Code, as a
 * client, declares both. Such a tool is declared to the CLI under another
 * name (`Agent_tool`), and the model's calls are renamed back, so the client
 * only ever sees its own names.
 *
 * Call ids must be unique in a conversation: the CLI drops a repeated one
 * with its result (and the model sees "[Tool use interrupted…]"). Clients
 * that number calls per turn (`call_0`) repeat them, so a repeated id and the
 * result that answers it are renamed for the CLI; the answer's own calls have
 * new ids, so nothing needs renaming back.
 */
const TAKEN = new Set(['Agent', 'ToolSearch']);

export interface CliToolView {
  /** The request as the CLI gets it: taken names replaced, in tools, tool_choice and earlier calls. */
  request: ChatRequest;
  /** The client's name for a tool the model called. */
  clientName: (cliName: string) => string;
}

export function cliToolView(request: ChatRequest): CliToolView {
  const messages = uniqueCallIds(request.messages);
  return renameTools(messages === request.messages ? request : { ...request, messages });
}

function renameTools(request: ChatRequest): CliToolView {
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

/**
 * The CLI 2.1.331 takes an id `X_<n>` next to an id `X` for a copy of it and
 * loses its result ("[Tool result missing due to internal error]"): such an
 * id is renamed too, and new ids use `-<n>`.
 */
function shadows(id: string, ids: ReadonlySet<string>): boolean {
  const base = /^(.+)_\d+$/.exec(id)?.[1];
  return base !== undefined && ids.has(base);
}

function uniqueCallIds(messages: ChatMessage[]): ChatMessage[] {
  const seen = new Set<string>();
  for (const message of messages) {
    if (typeof message.content === 'string') continue;
    for (const block of message.content) if (block.type === 'tool_use') seen.add(block.id);
  }
  const used = new Set<string>();
  /** The next suffix to try per repeated id, so renaming stays linear however often an id repeats. */
  const nextSuffix = new Map<string, number>();
  /** Client id → the ids its calls got, in order, each taken by the next result that names it. */
  const awaiting = new Map<string, { ids: string[]; next: number }>();
  let changed = false;
  const out = messages.map((message) => {
    if (typeof message.content === 'string') return message;
    const content = message.content.map((block): CliBlock => {
      if (block.type === 'tool_use') {
        let id = block.id;
        if (used.has(id) || shadows(id, seen)) {
          let n = nextSuffix.get(block.id) ?? 2;
          for (; used.has(`${block.id}-${n}`) || seen.has(`${block.id}-${n}`); n++);
          nextSuffix.set(block.id, n + 1);
          id = `${block.id}-${n}`;
          changed = true;
        }
        used.add(id);
        const queue = awaiting.get(block.id);
        if (queue) queue.ids.push(id);
        else awaiting.set(block.id, { ids: [id], next: 0 });
        return id === block.id ? block : { ...block, id };
      }
      if (block.type === 'tool_result') {
        // First call first: parallel calls sharing an id get their results in the order they were made.
        const queue = awaiting.get(block.tool_use_id);
        const id = queue && queue.next < queue.ids.length ? queue.ids[queue.next++] : undefined;
        if (id !== undefined && id !== block.tool_use_id) return { ...block, tool_use_id: id };
      }
      return block;
    });
    return { ...message, content };
  });
  return changed ? out : messages;
}
