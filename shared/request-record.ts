import { z } from 'zod';

/**
 * One API request as the request log, the history file and the window see it.
 * Metadata only, unless the user turns on `logBodies`: then the request body and
 * the answer text are kept too (truncated).
 */
export const requestRecordSchema = z.object({
  id: z.string(),
  startedAt: z.number(),
  clientIp: z.string(),
  method: z.string(),
  path: z.string(),
  /** The route the router matched (`/v1/responses/:id`), null for none (404s, refusals before routing). */
  route: z.string().nullable().optional(),
  api: z.enum(['anthropic', 'openai', 'responses', 'other']),
  model: z.string().nullable(),
  stream: z.boolean(),
  state: z.enum(['in_progress', 'done', 'failed', 'cancelled']),
  status: z.number().nullable(),
  ttftMs: z.number().nullable(),
  durationMs: z.number().nullable(),
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  stopReason: z.string().nullable(),
  error: z.object({ type: z.string(), code: z.string(), message: z.string() }).nullable(),
  ignored: z.array(z.string()),
  cliPid: z.number().nullable(),
  userAgent: z.string().nullable(),
  /** Names of the client tools offered to the model (capped). */
  tools: z.array(z.string()).default([]),
  /** Tool calls the model made: id, name and input JSON (capped). */
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), input: z.string() })).default([]),
  /** The client, named from its User-Agent product ("OpenAI/Python 1.x", "claude-cli 2.1", "Zed"…). */
  client: z.string().nullable().optional(),
  /** The model the CLI actually used (the id it resolved an alias to, or fell back to). */
  modelUsed: z.string().nullable().optional(),
  /** Of `inputTokens`, those read from and written to the prompt cache. */
  cacheReadTokens: z.number().nullable().optional(),
  cacheWriteTokens: z.number().nullable().optional(),
  /** The turn's cost at API rates, as the CLI reports it. */
  costUsd: z.number().nullable().optional(),
  /** The request body as sent (JSON, truncated), only with `logBodies` on. */
  requestBody: z.string().nullable().default(null),
  /** The answer's text (truncated), only with `logBodies` on. */
  responseText: z.string().nullable().default(null),
  /**
   * Turned away before any work (Host, Origin, access key, dashboard token,
   * body limit): shown so the user sees attempts, counted nowhere else and
   * never written to history.
   */
  refused: z.boolean().optional(),
});

export type RequestRecord = z.infer<typeof requestRecordSchema>;
