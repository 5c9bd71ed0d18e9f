import { z } from 'zod';
import type { ChatMessage, ChatRequest, CliBlock } from './chat-request.js';
import { systemToText } from './anthropic-request.js';
import {
  anyBlock,
  asBlocks,
  contentText,
  MAX_BLOCKS,
  MAX_MESSAGES,
  requireContent,
  textBlock,
  toContent,
  type ContentNotes,
} from './content.js';
import { jsonSchemaObject, MAX_TOOLS, openaiTool, openaiToolChoice, openaiTools, structuredSchema } from './tools.js';
import { fieldError, ignoredKeys, parseWith, toolArguments, withIgnored } from './validation.js';

const content = z.union([z.string(), z.array(anyBlock).max(MAX_BLOCKS), z.null()]);

const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: content.optional(),
  tool_calls: z.array(toolCall).max(MAX_BLOCKS).nullable().optional(),
  tool_call_id: z.string().optional(),
  refusal: z.string().nullable().optional(),
});

const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({ name: z.string(), schema: jsonSchemaObject.optional(), strict: z.boolean().nullable().optional() }),
  }),
]);

export const openaiChatSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1).max(MAX_MESSAGES),
  /** Anthropic-style top-level system prompt, which the API reference allows here. */
  system: z.union([z.string(), z.array(textBlock).max(MAX_BLOCKS)]).optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(16), z.null()]).optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullable().optional(),
  n: z.number().int().positive().nullable().optional(),
  tools: z.array(openaiTool).max(MAX_TOOLS).nullable().optional(),
  tool_choice: openaiToolChoice.nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  response_format: responseFormat.nullable().optional(),
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
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
]);

function toolUse(call: z.infer<typeof toolCall>, field: string): CliBlock {
  return {
    type: 'tool_use',
    id: call.id,
    name: call.function.name,
    input: toolArguments(call.function.arguments, `${field}.function.arguments`),
  };
}

/** Appends a user turn; consecutive ones (tool results, then text) become one turn, as the Messages API wants. */
function pushUser(messages: ChatMessage[], content: string | CliBlock[]): void {
  const last = messages.at(-1);
  if (last?.role === 'user') last.content = [...asBlocks(last.content), ...asBlocks(content)];
  else messages.push({ role: 'user', content });
}

function toMessages(parsed: z.infer<typeof openaiChatSchema>, notes: ContentNotes, systemParts: string[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  parsed.messages.forEach((m, index) => {
    const field = `messages.${index}`;
    const body = toContent(m.content, `${field}.content`, notes);
    switch (m.role) {
      case 'system':
      case 'developer':
        systemParts.push(contentText(body));
        break;
      case 'user':
        requireContent(body, `${field}.content`);
        pushUser(messages, body);
        break;
      case 'assistant': {
        const blocks = asBlocks(body).filter((block) => block.type !== 'text' || block.text !== '');
        if (m.refusal) blocks.push({ type: 'text', text: m.refusal });
        (m.tool_calls ?? []).forEach((call, i) => blocks.push(toolUse(call, `${field}.tool_calls.${i}`)));
        // An assistant message with nothing in it (content null, no calls) is not a turn the API accepts.
        if (blocks.length > 0) messages.push({ role: 'assistant', content: blocks });
        break;
      }
      case 'tool': {
        if (!m.tool_call_id) throw fieldError(`${field}.tool_call_id`, 'a tool message needs the id of the call it answers');
        const result: CliBlock = { type: 'tool_result', tool_use_id: m.tool_call_id, content: body };
        pushUser(messages, [result]);
        break;
      }
      case 'function':
        throw fieldError(`${field}.role`, 'legacy "function" messages are not supported: use tools, tool_calls and "tool" messages');
    }
  });
  return messages;
}

/** Validates a Chat Completions body; `cliModel` is filled in by the caller after model resolution. */
export function parseOpenAIRequest(body: unknown): Omit<ChatRequest, 'cliModel'> {
  const parsed = parseWith(openaiChatSchema, body);
  if ((parsed.n ?? 1) > 1) throw fieldError('n', 'only one choice (n = 1) is supported');
  const notes: ContentNotes = { ignored: new Set() };
  const systemParts: string[] = [];
  const topLevel = systemToText(parsed.system);
  if (topLevel !== undefined) systemParts.push(topLevel);
  const messages = toMessages(parsed, notes, systemParts);
  if (messages.length === 0) throw fieldError('messages', 'at least one user or assistant message is required');
  const tools = openaiTools(parsed.tools ?? undefined, parsed.tool_choice ?? undefined, parsed.parallel_tool_calls ?? undefined);
  const format = parsed.response_format;
  const jsonSchema =
    format?.type === 'json_schema'
      ? structuredSchema(format.json_schema.schema, 'response_format.json_schema.schema')
      : format?.type === 'json_object'
        ? structuredSchema(undefined, 'response_format')
        : undefined;
  const stop = parsed.stop ?? [];
  return {
    api: 'openai',
    model: parsed.model,
    system: systemParts.length > 0 ? systemParts.join('\n\n') : undefined,
    messages,
    tools: tools.tools,
    toolChoice: tools.toolChoice,
    parallelToolCalls: tools.parallelToolCalls,
    jsonSchema,
    maxTokens: parsed.max_completion_tokens ?? parsed.max_tokens ?? undefined,
    stopSequences: typeof stop === 'string' ? [stop] : stop,
    thinking: false,
    stream: parsed.stream ?? false,
    includeUsage: parsed.stream_options?.include_usage ?? false,
    ignored: withIgnored(ignoredKeys(parsed, HONOURED), [...tools.ignored, ...notes.ignored]),
  };
}
