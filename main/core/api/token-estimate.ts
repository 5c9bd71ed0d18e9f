import type { ChatRequest } from './chat-request.js';

/**
 * An estimate, not a count: the CLI has no token-counting call. About four
 * characters a token for text, and Anthropic's published (width × height) / 750
 * rule can't be applied without decoding images, so each image counts as a
 * typical 1,000 × 1,000 picture (~1,334 tokens).
 */
const CHARS_PER_TOKEN = 4;
const TOKENS_PER_IMAGE = 1334;

export function estimateTokens(request: Pick<ChatRequest, 'system' | 'messages'>): number {
  let chars = request.system?.length ?? 0;
  let images = 0;
  for (const message of request.messages) {
    for (const part of message.content) {
      if (part.type === 'text') chars += part.text.length;
      else images++;
    }
    chars += 8; // role markers
  }
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN) + images * TOKENS_PER_IMAGE);
}
