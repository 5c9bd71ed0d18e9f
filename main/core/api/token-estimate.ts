import type { ChatRequest, CliBlock } from './chat-request.js';

/**
 * An estimate, not a count: the CLI has no token-counting call. About four
 * characters a token for text (tool calls, results and schemas counted by
 * their JSON), and Anthropic's published (width × height) / 750 rule can't be
 * applied without decoding images, so each image counts as a typical
 * 1,000 × 1,000 picture (~1,334 tokens).
 */
const CHARS_PER_TOKEN = 4;
const TOKENS_PER_IMAGE = 1334;

function measure(content: string | readonly CliBlock[], totals: { chars: number; images: number }): void {
  if (typeof content === 'string') {
    totals.chars += content.length;
    return;
  }
  for (const block of content) {
    if (block.type === 'text') totals.chars += block.text.length;
    else if (block.type === 'image') totals.images++;
    else if (block.type === 'tool_result' && block.content !== undefined) measure(block.content, totals);
    else totals.chars += JSON.stringify(block).length;
  }
}

export function estimateTokens(request: Pick<ChatRequest, 'system' | 'messages'> & Partial<Pick<ChatRequest, 'tools'>>): number {
  const totals = { chars: request.system?.length ?? 0, images: 0 };
  for (const message of request.messages) {
    measure(message.content, totals);
    totals.chars += 8; // role markers
  }
  for (const tool of request.tools ?? [])
    totals.chars += tool.name.length + tool.description.length + JSON.stringify(tool.inputSchema).length;
  return Math.max(1, Math.ceil(totals.chars / CHARS_PER_TOKEN) + totals.images * TOKENS_PER_IMAGE);
}
