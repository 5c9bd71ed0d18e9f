import { z } from 'zod';
import type { ChatMessage, ChatRequest } from './chat-request.js';
import {
  anyBlock,
  contentText,
  MAX_BLOCKS,
  MAX_MESSAGES,
  noteCacheControl,
  requireContent,
  textBlock,
  toContent,
  type ContentNotes,
} from './content.js';
import { ProxyError } from '../errors.js';
import { anthropicTool, anthropicToolChoice, anthropicTools, jsonSchemaObject, MAX_TOOLS, structuredSchema } from './tools.js';
import { ignoredKeys, parseWith, withIgnored } from './validation.js';

const message = z.looseObject({
  // Claude Code sends `system` messages among the turns; they join the system prompt.
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(anyBlock).max(MAX_BLOCKS)]),
});

const systemText = z.union([z.string(), z.array(textBlock).max(MAX_BLOCKS)]);
const outputFormat = z.looseObject({ type: z.literal('json_schema'), schema: jsonSchemaObject.optional() });

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
  tools: z.array(anthropicTool).max(MAX_TOOLS).optional(),
  tool_choice: anthropicToolChoice.optional(),
  output_config: z.looseObject({ format: outputFormat.nullable().optional() }).optional(),
  /** The structured-outputs beta's name for `output_config.format`. */
  output_format: outputFormat.nullable().optional(),
  /** The message-threads beta (the Anthropic SDK's tool runner uses it by default). */
  thread: z.looseObject({ type: z.string() }).nullable().optional(),
});

export type AnthropicMessagesBody = z.infer<typeof anthropicMessagesSchema>;

const HONOURED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'stop_sequences',
  'stream',
  'thinking',
  'metadata',
  'tools',
  'tool_choice',
  'output_format',
  'thread',
]);

/**
 * The proxy keeps no threads: every request must carry the whole
 * conversation. A thread the client asks to continue is answered as the API
 * answers one it no longer has, and the SDKs then send the full history
 * (with `thread: {type: "create"}`, which the proxy serves like any request).
 */
function refuseThreadContinue(thread: { type: string } | null | undefined): void {
  if (thread?.type !== 'continue') return;
  throw new ProxyError('not_found_error', 'thread: this proxy keeps no message threads; send the whole conversation', {
    code: 'thread_not_found',
    details: { error_code: 'thread_not_found' },
  });
}

export function systemToText(system: z.infer<typeof systemText> | undefined): string | undefined {
  if (system === undefined) return undefined;
  return typeof system === 'string' ? system : system.map((part) => part.text).join('\n');
}

/** Validates a `/v1/messages` body; `cliModel` is filled in by the caller after model resolution. */
export function parseAnthropicRequest(body: unknown): Omit<ChatRequest, 'cliModel'> {
  const parsed = parseWith(anthropicMessagesSchema, body);
  refuseThreadContinue(parsed.thread);
  const notes: ContentNotes = { ignored: new Set() };
  const systemParts: string[] = [];
  const topLevel = systemToText(parsed.system);
  if (topLevel !== undefined) systemParts.push(topLevel);
  if (Array.isArray(parsed.system)) for (const block of parsed.system) noteCacheControl(block, notes);
  for (const tool of parsed.tools ?? []) noteCacheControl(tool, notes);
  const messages: ChatMessage[] = [];
  parsed.messages.forEach((m, i) => {
    const content = toContent(m.content, `messages.${i}.content`, notes);
    if (m.role === 'system') {
      const text = contentText(content);
      if (text !== '') systemParts.push(text);
    } else {
      if (m.role === 'user' || i < parsed.messages.length - 1) requireContent(content, `messages.${i}.content`);
      messages.push({ role: m.role, content });
    }
  });
  if (messages.length === 0) {
    const issue = 'at least one user or assistant message is required';
    throw new ProxyError('invalid_request_error', `messages: ${issue}`, {
      code: 'validation_error',
      details: { field: 'messages', issue },
    });
  }
  const tools = anthropicTools(parsed.tools, parsed.tool_choice);
  const format = parsed.output_config?.format ?? parsed.output_format ?? undefined;
  // Of output_config only the format is acted on.
  const ignored = ignoredKeys(parsed, HONOURED).filter((key) => key !== 'output_config' || format === undefined);
  return {
    api: 'anthropic',
    model: parsed.model,
    system: systemParts.length > 0 ? systemParts.join('\n\n') : undefined,
    messages,
    tools: tools.tools,
    toolChoice: tools.toolChoice,
    parallelToolCalls: tools.parallelToolCalls,
    jsonSchema: format ? structuredSchema(format.schema, 'output_config.format.schema') : undefined,
    maxTokens: parsed.max_tokens,
    stopSequences: parsed.stop_sequences ?? [],
    thinking: parsed.thinking?.type === 'enabled' || parsed.thinking?.type === 'adaptive',
    thinkingBudget: parsed.thinking?.type === 'enabled' ? parsed.thinking.budget_tokens : undefined,
    stream: parsed.stream ?? false,
    includeUsage: false,
    ignored: withIgnored(ignored, [...tools.ignored, ...notes.ignored]),
  };
}
