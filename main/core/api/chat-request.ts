/**
 * The proxy's own, dialect-free view of a chat request. Both the Anthropic and
 * the OpenAI routes normalise into this; the CLI manager and translators only
 * ever see this shape. Message content is already in the form the CLI passes
 * on to the Messages API (Anthropic content blocks), so every past turn can be
 * replayed to the model as the turn it was.
 */

/** `responses` is OpenAI's Responses API; `openai` its Chat Completions. */
export type ApiDialect = 'anthropic' | 'openai' | 'responses';

export type Base64Source = { type: 'base64'; media_type: string; data: string };

/** A content block exactly as it is written to the CLI (and reaches the model). */
export type CliBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: Base64Source }
  | {
      type: 'document';
      source: Base64Source | { type: 'text'; media_type: 'text/plain'; data: string } | { type: 'content'; content: CliBlock[] };
      title?: string;
      context?: string;
      citations?: { enabled: boolean };
    }
  | { type: 'search_result'; source: string; title: string; content: { type: 'text'; text: string }[]; citations?: { enabled: boolean } }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content?: string | CliBlock[]; is_error?: boolean }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

export interface ChatMessage {
  role: 'user' | 'assistant';
  /** A string stays a string, as the client sent it. */
  content: string | CliBlock[];
}

/** A client tool, declared to the model under its own name, description and schema. */
export interface ToolSpec {
  name: string;
  description: string;
  /** A JSON Schema whose top level is `type: "object"` (checked before the CLI starts). */
  inputSchema: Record<string, unknown>;
}

/** The Messages API's `tool_choice`; `auto` is the default and is not sent. */
export type ToolChoice = { type: 'auto' | 'any' | 'none' } | { type: 'tool'; name: string };

export interface ChatRequest {
  api: ApiDialect;
  /** The model id exactly as the client asked for it (echoed back in responses). */
  model: string;
  /** What is passed to the CLI's `--model` (after alias mapping). */
  cliModel: string;
  system: string | undefined;
  messages: ChatMessage[];
  tools: ToolSpec[];
  toolChoice: ToolChoice;
  /** False when the client asked for at most one tool call per answer. */
  parallelToolCalls: boolean;
  /**
   * Structured output: the answer's text must be JSON fitting this schema
   * (the Messages API's `output_config.format`, passed on to the CLI's request).
   */
  jsonSchema: Record<string, unknown> | undefined;
  maxTokens: number | undefined;
  stopSequences: string[];
  /** Whether the client asked for extended thinking (Anthropic `thinking`): only then are thinking blocks sent. */
  thinking: boolean;
  /** Anthropic `thinking.budget_tokens`, when given. */
  thinkingBudget?: number | undefined;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  /** Request fields accepted but not honoured, reported in X-Claude-Proxy-Ignored. */
  ignored: string[];
}
