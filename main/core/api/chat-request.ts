/**
 * The proxy's own, dialect-free view of a chat request. Both the Anthropic and
 * the OpenAI routes normalise into this; the CLI manager and translators only
 * ever see this shape.
 */

export type ApiDialect = 'anthropic' | 'openai';

export type ContentPart = { type: 'text'; text: string } | { type: 'image'; mediaType: string; data: string };

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: ContentPart[];
}

export interface ChatRequest {
  api: ApiDialect;
  /** The model id exactly as the client asked for it (echoed back in responses). */
  model: string;
  /** What is passed to the CLI's `--model` (after alias mapping). */
  cliModel: string;
  system: string | undefined;
  messages: ChatMessage[];
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
