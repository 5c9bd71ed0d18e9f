import type { ChatMessage, ChatRequest, ContentPart } from '../api/chat-request.js';

/**
 * Builds the stdin lines for one CLI turn. The CLI cannot be handed past
 * assistant turns faithfully (they land out of order), so a multi-turn
 * conversation is rendered into one user message; images stay image blocks in
 * their place. The system prompt goes in through the `initialize` control
 * request, which replaces Claude Code's agent prompt — also when the client
 * sent none, so a bare request never gets the agent prompt either.
 */

type CliContent = { type: 'text'; text: string } | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } };

const PREAMBLE =
  'The messages below are an earlier conversation between the user and you (the assistant), followed by the latest message. Answer the latest message as the assistant, continuing the conversation.';
const PREFILL_NOTE = 'The last assistant turn above is unfinished: continue it from exactly where it stops, without repeating any of it.';

function toCli(part: ContentPart): CliContent {
  return part.type === 'text' ? part : { type: 'image', source: { type: 'base64', media_type: part.mediaType, data: part.data } };
}

/** Appends parts, merging neighbouring text so the CLI sees one text block between images. */
function push(into: CliContent[], part: CliContent): void {
  const last = into.at(-1);
  if (part.type === 'text' && last?.type === 'text') last.text += part.text;
  else into.push(part.type === 'text' ? { ...part } : part);
}

function renderTurn(into: CliContent[], message: ChatMessage): void {
  push(into, { type: 'text', text: `<${message.role}>\n` });
  for (const part of message.content) push(into, toCli(part));
  push(into, { type: 'text', text: `\n</${message.role}>\n\n` });
}

export function renderConversation(messages: readonly ChatMessage[]): CliContent[] {
  const only = messages[0];
  if (messages.length === 1 && only?.role === 'user') {
    const content: CliContent[] = [];
    for (const part of only.content) push(content, toCli(part));
    return content.length > 0 ? content : [{ type: 'text', text: '' }];
  }
  const last = messages.at(-1)!;
  const earlier = last.role === 'user' ? messages.slice(0, -1) : messages;
  const content: CliContent[] = [{ type: 'text', text: `${PREAMBLE}\n\n<conversation>\n` }];
  for (const message of earlier) renderTurn(content, message);
  push(content, { type: 'text', text: '</conversation>\n\n' });
  if (last.role === 'user') {
    push(content, { type: 'text', text: 'Latest message from the user:\n\n' });
    for (const part of last.content) push(content, toCli(part));
  } else {
    push(content, { type: 'text', text: PREFILL_NOTE });
  }
  return content;
}

export function cliInputLines(request: Pick<ChatRequest, 'system' | 'messages'>): string[] {
  const initialize = {
    type: 'control_request',
    request_id: 'init',
    request: { subtype: 'initialize', systemPrompt: request.system === undefined ? [] : [request.system] },
  };
  const user = { type: 'user', message: { role: 'user', content: renderConversation(request.messages) } };
  return [JSON.stringify(initialize), JSON.stringify(user)];
}
