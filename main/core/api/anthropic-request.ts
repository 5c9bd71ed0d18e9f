import { z } from 'zod';
import type { ChatMessage, ChatRequest } from './chat-request.js';
import {
  anthropicImageBlock,
  textBlock,
  thinkingBlock,
  toolResultBlock,
  toolUseBlock,
  MAX_BLOCKS,
  MAX_MESSAGES,
  toParts,
} from './content.js';
import { ignoredKeys, parseWith } from './validation.js';

const block = z.discriminatedUnion('type', [textBlock, anthropicImageBlock, toolUseBlock, toolResultBlock, thinkingBlock]);

const message = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(block).max(MAX_BLOCKS)]),
});

const systemText = z.union([z.string(), z.array(textBlock.loose()).max(MAX_BLOCKS)]);

export const anthropicMessagesSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1).max(MAX_MESSAGES),
  system: systemText.optional(),
  max_tokens: z.number().int().positive().optional(),
  stop_sequences: z.array(z.string().min(1)).max(16).optional(),
  stream: z.boolean().optional(),
  thinking: z
    .union([
      z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().positive() }).loose(),
      z.object({ type: z.enum(['disabled', 'adaptive']) }).loose(),
    ])
    .optional(),
});

export type AnthropicMessagesBody = z.infer<typeof anthropicMessagesSchema>;

const HONOURED = new Set(['model', 'messages', 'system', 'max_tokens', 'stop_sequences', 'stream', 'thinking', 'metadata']);

export function systemToText(system: z.infer<typeof systemText> | undefined): string | undefined {
  if (system === undefined) return undefined;
  return typeof system === 'string' ? system : system.map((part) => part.text).join('\n');
}

/** Validates a `/v1/messages` body; `cliModel` is filled in by the caller after model resolution. */
export function parseAnthropicRequest(body: unknown): Omit<ChatRequest, 'cliModel'> {
  const parsed = parseWith(anthropicMessagesSchema, body);
  const messages: ChatMessage[] = parsed.messages.map((m, i) => ({ role: m.role, content: toParts(m.content, `messages.${i}.content`) }));
  return {
    api: 'anthropic',
    model: parsed.model,
    system: systemToText(parsed.system),
    messages,
    maxTokens: parsed.max_tokens,
    stopSequences: parsed.stop_sequences ?? [],
    thinking: parsed.thinking?.type === 'enabled' || parsed.thinking?.type === 'adaptive',
    thinkingBudget: parsed.thinking?.type === 'enabled' ? parsed.thinking.budget_tokens : undefined,
    stream: parsed.stream ?? false,
    includeUsage: false,
    ignored: ignoredKeys(parsed, HONOURED),
  };
}
