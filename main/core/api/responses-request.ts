import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ChatRequest } from './chat-request.js';
import { MAX_MESSAGES } from './content.js';
import { inputItem, inputTurns, type InputItem } from './responses-input.js';
import { responsesTool, responsesToolChoice, responsesTools } from './responses-tools.js';
import { jsonSchemaObject, structuredSchema } from './tools.js';
import { fieldError, ignoredKeys, parseWith, withIgnored } from './validation.js';

/**
 * A `POST /v1/responses` body as a ChatRequest, plus what only the Responses
 * API has: the stored conversation it continues, whether to store this one,
 * what reasoning to show, and the settings the response echoes.
 */

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
type Effort = (typeof EFFORTS)[number];

/** Thinking budgets per effort (tokens); `none` turns thinking off. */
const BUDGET: Record<Exclude<Effort, 'none'>, number> = { minimal: 1024, low: 4096, medium: 10_000, high: 24_000, xhigh: 32_000 };

const textFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({ type: z.literal('json_schema'), name: z.string().optional(), schema: jsonSchemaObject.optional() }),
]);

/** OpenAI's own limits on metadata: it is echoed and stored, so it stays small. */
const metadata = z.record(z.string().max(64), z.string().max(512)).refine((value) => Object.keys(value).length <= 16, 'at most 16 keys');

export const responsesSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem).max(MAX_MESSAGES)]).optional(),
  instructions: z.string().nullable().optional(),
  tools: z.array(responsesTool).max(512).nullable().optional(),
  tool_choice: responsesToolChoice.nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z.looseObject({ format: textFormat.nullable().optional(), verbosity: z.string().nullable().optional() }).nullable().optional(),
  reasoning: z
    .looseObject({ effort: z.enum(EFFORTS).nullable().optional(), summary: z.enum(['auto', 'concise', 'detailed']).nullable().optional() })
    .nullable()
    .optional(),
  max_output_tokens: z.number().int().positive().nullable().optional(),
  metadata: metadata.nullable().optional(),
  include: z.array(z.string()).max(32).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  store: z.boolean().nullable().optional(),
  previous_response_id: z.string().max(200).nullable().optional(),
  background: z.boolean().nullable().optional(),
  temperature: z.number().nullable().optional(),
  top_p: z.number().nullable().optional(),
  user: z.string().optional(),
});

const HONOURED = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'max_output_tokens',
  'metadata',
  'include',
  'stream',
  'stream_options',
  'store',
  'previous_response_id',
  'background',
  'user',
]);

/** Parameters that change what the answer means; leaving them out silently would answer something else. */
const REFUSED: Record<string, string> = {
  conversation: 'conversation objects are not supported: continue with previous_response_id',
  prompt: 'stored prompt templates are not supported: send instructions and input',
};

export interface ResponsesOptions {
  previousResponseId: string | undefined;
  store: boolean;
  /** `include: ["reasoning.encrypted_content"]`: reasoning items carry the thinking block back. */
  encryptedReasoning: boolean;
  /** `reasoning.summary`: the thinking is shown as the reasoning item's summary. */
  reasoningSummary: boolean;
  /** Developer and system messages of this request's input (instructions are not carried on, as in OpenAI's API). */
  inputSystem: string[];
  /** The input as items with ids, for `GET /v1/responses/{id}/input_items`. */
  inputItems: Record<string, unknown>[];
  /** The request's settings, echoed in the response object. */
  echo: Record<string, unknown>;
}

export interface ParsedResponsesRequest {
  request: Omit<ChatRequest, 'cliModel'>;
  options: ResponsesOptions;
}

export function itemId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

function withIds(input: string | InputItem[]): Record<string, unknown>[] {
  const items: InputItem[] = typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;
  return items.map((item) => {
    const type = item.type ?? 'message';
    const content = typeof item.content === 'string' ? [{ type: 'input_text', text: item.content }] : item.content;
    const prefix = type === 'message' ? 'msg' : type === 'function_call' ? 'fc' : type === 'reasoning' ? 'rs' : 'item';
    return { id: itemId(prefix), ...item, type, ...(content === undefined ? {} : { content }) };
  });
}

function thinkingOf(reasoning: z.infer<typeof responsesSchema>['reasoning'], maxTokens: number | undefined) {
  const effort = reasoning?.effort ?? undefined;
  const asked = (effort !== undefined && effort !== 'none') || (effort === undefined && reasoning?.summary != null);
  if (!asked) return { thinking: false, thinkingBudget: undefined };
  const budget = effort === undefined ? undefined : BUDGET[effort];
  // The Messages API wants the thinking budget below the output cap.
  return { thinking: true, thinkingBudget: budget !== undefined && (maxTokens === undefined || budget < maxTokens) ? budget : undefined };
}

export function parseResponsesRequest(body: unknown): ParsedResponsesRequest {
  const parsed = parseWith(responsesSchema, body);
  for (const [key, issue] of Object.entries(REFUSED)) if (parsed[key] != null) throw fieldError(key, issue);
  if (parsed.background) throw fieldError('background', 'background responses are not supported: stream instead');
  const input = parsed.input ?? [];
  const inputSystem: string[] = [];
  const messages = inputTurns(input, inputSystem);
  if (messages.length === 0 && !parsed.previous_response_id) throw fieldError('input', 'at least one user or assistant item is required');
  const tools = responsesTools(parsed.tools ?? undefined, parsed.tool_choice ?? undefined, parsed.parallel_tool_calls ?? undefined);
  const format = parsed.text?.format;
  const jsonSchema =
    format?.type === 'json_schema'
      ? structuredSchema(format.schema, 'text.format.schema')
      : format?.type === 'json_object'
        ? structuredSchema(undefined, 'text.format')
        : undefined;
  const maxTokens = parsed.max_output_tokens ?? undefined;
  const system = [...(parsed.instructions ? [parsed.instructions] : []), ...inputSystem];
  const store = parsed.store ?? true;
  const strict = new Map((parsed.tools ?? []).map((tool) => [tool.name, tool.strict ?? true]));
  const request: Omit<ChatRequest, 'cliModel'> = {
    api: 'responses',
    model: parsed.model,
    system: system.length > 0 ? system.join('\n\n') : undefined,
    messages,
    tools: tools.tools,
    toolChoice: tools.toolChoice,
    parallelToolCalls: tools.parallelToolCalls,
    jsonSchema,
    maxTokens,
    stopSequences: [],
    ...thinkingOf(parsed.reasoning, maxTokens),
    stream: parsed.stream ?? false,
    includeUsage: true,
    ignored: withIgnored(ignoredKeys(parsed, HONOURED), tools.ignored),
  };
  const echo = {
    background: false,
    instructions: parsed.instructions ?? null,
    max_output_tokens: maxTokens ?? null,
    metadata: parsed.metadata ?? {},
    parallel_tool_calls: tools.parallelToolCalls,
    previous_response_id: parsed.previous_response_id ?? null,
    reasoning: { effort: parsed.reasoning?.effort ?? null, summary: parsed.reasoning?.summary ?? null },
    service_tier: 'default',
    store,
    temperature: parsed.temperature ?? 1,
    text: { format: format ?? { type: 'text' }, verbosity: parsed.text?.verbosity ?? 'medium' },
    tool_choice: parsed.tool_choice ?? 'auto',
    tools: tools.tools.map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description || null,
      parameters: tool.inputSchema,
      strict: strict.get(tool.name) ?? true,
    })),
    top_p: parsed.top_p ?? 1,
    truncation: 'disabled',
    ...(parsed.user === undefined ? {} : { user: parsed.user }),
  };
  return {
    request,
    options: {
      previousResponseId: parsed.previous_response_id ?? undefined,
      store,
      encryptedReasoning: (parsed.include ?? []).includes('reasoning.encrypted_content'),
      reasoningSummary: parsed.reasoning?.summary != null,
      inputSystem,
      inputItems: withIds(input),
      echo,
    },
  };
}
