import { z } from 'zod';
import type { ChatMessage, ChatRequest, ContentPart } from './chat-request.js';
import { systemToText } from './anthropic-request.js';
import {
  anthropicImageBlock,
  openaiImagePart,
  textBlock,
  thinkingBlock,
  toolResultBlock,
  toolUseBlock,
  MAX_BLOCKS,
  MAX_MESSAGES,
  toParts,
} from './content.js';
import { ProxyError } from '../errors.js';
import { ignoredKeys, parseWith } from './validation.js';

const part = z.discriminatedUnion('type', [textBlock, openaiImagePart, anthropicImageBlock, toolUseBlock, toolResultBlock, thinkingBlock]);

const content = z.union([z.string(), z.array(part).max(MAX_BLOCKS), z.null()]);

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: content.optional(),
  tool_calls: z
    .array(z.looseObject({ function: z.looseObject({ name: z.string(), arguments: z.string() }) }))
    .max(MAX_BLOCKS)
    .optional(),
});

export const openaiChatSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1).max(MAX_MESSAGES),
  /** Anthropic-style top-level system prompt, which the API reference allows here. */
  system: z.union([z.string(), z.array(textBlock.loose()).max(MAX_BLOCKS)]).optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(16), z.null()]).optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullable().optional(),
  n: z.number().int().positive().nullable().optional(),
});

const HONOURED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'stream',
  'stream_options',
  'n',
  'user',
]);

function toolCallsAsText(calls: z.infer<typeof message>['tool_calls']): ContentPart[] {
  return (calls ?? []).map((call) => ({ type: 'text', text: `[tool call ${call.function.name}: ${call.function.arguments}]` }));
}

/** Validates a Chat Completions body; `cliModel` is filled in by the caller after model resolution. */
export function parseOpenAIRequest(body: unknown): Omit<ChatRequest, 'cliModel'> {
  const parsed = parseWith(openaiChatSchema, body);
  if ((parsed.n ?? 1) > 1) {
    throw new ProxyError('invalid_request_error', 'n: only one choice (n = 1) is supported', {
      code: 'validation_error',
      details: { field: 'n', issue: 'n > 1 is not supported' },
    });
  }
  const systemParts: string[] = [];
  const topLevel = systemToText(parsed.system);
  if (topLevel !== undefined) systemParts.push(topLevel);
  const messages: ChatMessage[] = [];
  parsed.messages.forEach((m, index) => {
    const parts = toParts(m.content, `messages.${index}.content`);
    if (m.role === 'system' || m.role === 'developer') {
      systemParts.push(parts.map((p) => (p.type === 'text' ? p.text : '')).join(''));
    } else if (m.role === 'assistant') {
      messages.push({ role: 'assistant', content: [...parts, ...toolCallsAsText(m.tool_calls)] });
    } else if (m.role === 'tool' || m.role === 'function') {
      messages.push({ role: 'user', content: [{ type: 'text', text: '[tool result: ' }, ...parts, { type: 'text', text: ']' }] });
    } else {
      messages.push({ role: 'user', content: parts });
    }
  });
  if (messages.length === 0) {
    throw new ProxyError('invalid_request_error', 'messages: at least one user or assistant message is required', {
      code: 'validation_error',
      details: { field: 'messages', issue: 'only system messages were given' },
    });
  }
  const stop = parsed.stop ?? [];
  return {
    api: 'openai',
    model: parsed.model,
    system: systemParts.length > 0 ? systemParts.join('\n\n') : undefined,
    messages,
    maxTokens: parsed.max_completion_tokens ?? parsed.max_tokens ?? undefined,
    stopSequences: typeof stop === 'string' ? [stop] : stop,
    thinking: false,
    stream: parsed.stream ?? false,
    includeUsage: parsed.stream_options?.include_usage ?? false,
    ignored: ignoredKeys(parsed, HONOURED),
  };
}
