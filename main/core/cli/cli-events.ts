import { z } from 'zod';

/**
 * The stream-json lines the proxy acts on. Everything is parsed loosely: key
 * order is not fixed and newer CLIs add fields and whole line types, which are
 * returned as `unknown` so callers skip them instead of failing.
 */

const usage = z.looseObject({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  cache_creation_input_tokens: z.number().nullable().optional(),
  cache_read_input_tokens: z.number().nullable().optional(),
});

const contentBlock = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  thinking: z.string().optional(),
  signature: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
});

const streamEvent = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('message_start'),
    message: z.looseObject({ id: z.string(), model: z.string().optional(), usage: usage.optional() }),
  }),
  z.looseObject({ type: z.literal('content_block_start'), index: z.number(), content_block: contentBlock }),
  z.looseObject({
    type: z.literal('content_block_delta'),
    index: z.number(),
    delta: z.looseObject({
      type: z.string(),
      text: z.string().optional(),
      thinking: z.string().optional(),
      signature: z.string().optional(),
      partial_json: z.string().optional(),
    }),
  }),
  z.looseObject({ type: z.literal('content_block_stop'), index: z.number() }),
  z.looseObject({
    type: z.literal('message_delta'),
    delta: z.looseObject({ stop_reason: z.string().nullable().optional(), stop_sequence: z.string().nullable().optional() }),
    usage: usage.nullable().optional(),
  }),
  z.looseObject({ type: z.literal('message_stop') }),
]);

const cliLine = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('system'),
    subtype: z.string(),
    model: z.string().optional(),
    /** `init`: the tools the CLI offers the model. */
    tools: z.array(z.string()).optional(),
    /** `api_retry`: how long the CLI waits before its next attempt. */
    retry_delay_ms: z.number().optional(),
  }),
  z.looseObject({
    type: z.literal('stream_event'),
    event: streamEvent,
    abandoned_blocks: z.looseObject({ api_message_id: z.string().optional(), from_block_index: z.number().optional() }).optional(),
  }),
  z.looseObject({
    type: z.literal('assistant'),
    message: z.looseObject({ id: z.string(), model: z.string().optional(), content: z.array(contentBlock), usage: usage.optional() }),
    error: z.string().optional(),
  }),
  z.looseObject({
    type: z.literal('result'),
    subtype: z.string(),
    is_error: z.boolean(),
    result: z.string().optional(),
    errors: z.array(z.unknown()).optional(),
    stop_reason: z.string().nullable().optional(),
    usage: usage.optional(),
    api_error_status: z.number().nullable().optional(),
    api_error_type: z.string().nullable().optional(),
    api_error: z.string().nullable().optional(),
    terminal_reason: z.string().nullable().optional(),
    /** What the turn would cost at API rates (a subscriber pays nothing per turn, but it is their plan's measure). */
    total_cost_usd: z.number().optional(),
    /** Per model the CLI actually called (a fallback adds a second). */
    modelUsage: z.record(z.string(), z.looseObject({ outputTokens: z.number().optional(), costUSD: z.number().optional() })).optional(),
  }),
  z.looseObject({
    type: z.literal('rate_limit_event'),
    rate_limit_info: z.looseObject({
      status: z.string(),
      resetsAt: z.number().optional(),
      rateLimitType: z.string().optional(),
      utilization: z.number().optional(),
      overageStatus: z.string().optional(),
      isUsingOverage: z.boolean().optional(),
      /** Every plan window the API reported (`five_hour`, `seven_day`, …), from its anthropic-ratelimit-unified-* headers. */
      unifiedWindows: z
        .record(
          z.string(),
          z.looseObject({ utilization: z.number().optional(), resetsAt: z.number().optional(), status: z.string().optional() }),
        )
        .optional(),
    }),
  }),
]);

export type CliUsage = z.infer<typeof usage>;
export type CliStreamEvent = z.infer<typeof streamEvent>;
export type CliLine = z.infer<typeof cliLine>;
export type CliResult = Extract<CliLine, { type: 'result' }>;
export type CliRateLimitInfo = Extract<CliLine, { type: 'rate_limit_event' }>['rate_limit_info'];
export type CliEvent = CliLine | { type: 'unknown'; raw: string };

const KNOWN = new Set(['system', 'stream_event', 'assistant', 'result', 'rate_limit_event']);

/**
 * `undefined` for a line that is not a JSON object at all (garbage); an
 * `unknown` event for valid JSON the proxy has no use for.
 */
export function parseCliLine(line: string): CliEvent | undefined {
  if (line.trim() === '') return { type: 'unknown', raw: '' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN.has(type)) return { type: 'unknown', raw: String(type) };
  const parsed = cliLine.safeParse(value);
  // A known type in an unexpected shape (e.g. a new stream event kind) is skipped, not fatal.
  return parsed.success ? parsed.data : { type: 'unknown', raw: type };
}
