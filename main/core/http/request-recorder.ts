import type { RequestRecord } from '../../../shared/request-record.js';
import type { ChatRequest } from '../api/chat-request.js';
import type { RunEvent } from '../cli/turn-stream.js';
import { statusIn, type ProxyError } from '../errors.js';
import type { RequestLog } from '../request-log.js';
import { MAX_LISTED } from '../limits/client-strings.js';
import { clientName } from '../usage/client-name.js';

/**
 * One request's entry in the request log, owned by one object: the
 * middleware starts it, the chat handler tells it what it learns (model,
 * child, first token, how the turn ended), and the middleware finishes it
 * once, when the response is over.
 */

/** What is kept of a body or an answer when `logBodies` is on. */
const MAX_KEPT_CHARS = 64 * 1024;
/** Tool calls kept per request, and characters of each call's input: enough to see what was asked. */
const MAX_KEPT_CALLS = 64;
const MAX_CALL_INPUT_CHARS = 4 * 1024;

type Outcome = { kind: 'done'; event: Extract<RunEvent, { type: 'end' }> } | { kind: 'failed'; error: ProxyError } | { kind: 'cancelled' };

export interface ResponseSummary {
  status: number;
  error: RequestRecord['error'];
  /** The handler threw (the answer never began): the error response is the outcome. */
  thrown: boolean;
  /** The route the router matched, if any. */
  route?: string | null;
}

export type RecordStart = Pick<RequestRecord, 'id' | 'clientIp' | 'method' | 'path' | 'api' | 'userAgent'>;

export class RequestRecorder {
  readonly id: string;
  private readonly api: RecordStart['api'];
  private readonly started: number;
  private turnStarted: number | undefined;
  private keepBodies = false;
  private answer = '';
  private firstToken = false;
  private outcome: Outcome | undefined;
  private finished = false;
  private readonly toolCalls = new Map<number, RequestRecord['toolCalls'][number]>();

  constructor(
    private readonly log: RequestLog,
    private readonly now: () => number,
    start: RecordStart,
  ) {
    this.started = now();
    this.api = start.api;
    this.id = this.log.add({
      ...start,
      route: null,
      client: clientName(start.userAgent),
      modelUsed: null,
      cacheReadTokens: null,
      cacheWriteTokens: null,
      costUsd: null,
      startedAt: this.started,
      model: null,
      stream: false,
      state: 'in_progress',
      status: null,
      ttftMs: null,
      durationMs: null,
      inputTokens: null,
      outputTokens: null,
      stopReason: null,
      error: null,
      ignored: [],
      tools: [],
      toolCalls: [],
      cliPid: null,
      requestBody: null,
      responseText: null,
    }).id;
  }

  /** A chat request was parsed: its model, and its body when bodies are kept. */
  chat(request: ChatRequest, body: unknown, keepBodies: boolean): void {
    this.turnStarted = this.now();
    this.keepBodies = keepBodies;
    this.log.update(this.id, {
      model: request.model,
      stream: request.stream,
      ignored: request.ignored,
      tools: request.tools.slice(0, MAX_LISTED).map((tool) => tool.name),
      ...(keepBodies ? { requestBody: truncate(JSON.stringify(body)) } : {}),
    });
  }

  /** Each event of the turn, as the handler passes it on. */
  turn(event: RunEvent): void {
    if (event.type === 'spawned') {
      this.log.update(this.id, { cliPid: event.pid ?? null });
    } else if (event.type === 'usage') {
      this.log.update(this.id, { modelUsed: event.modelUsed, costUsd: event.costUsd });
    } else if (event.type === 'text' || event.type === 'thinking' || event.type === 'tool_start') {
      if (!this.firstToken) {
        this.firstToken = true;
        this.log.update(this.id, { ttftMs: this.now() - (this.turnStarted ?? this.started) });
      }
      if (this.keepBodies && event.type === 'text' && this.answer.length < MAX_KEPT_CHARS) this.answer += event.text;
    }
    if (event.type === 'tool_start' && this.toolCalls.size < MAX_KEPT_CALLS) {
      this.toolCalls.set(event.index, { id: event.id, name: event.name, input: '' });
    } else if (event.type === 'tool_input') {
      const call = this.toolCalls.get(event.index);
      if (call && call.input.length < MAX_CALL_INPUT_CHARS) call.input = (call.input + event.json).slice(0, MAX_CALL_INPUT_CHARS);
    } else if (event.type === 'end') {
      this.outcome ??= { kind: 'done', event };
    } else if (event.type === 'error') {
      this.outcome ??= { kind: 'failed', error: event.error };
    }
  }

  /** Turned away before any work (the body over the limit): shown as such, never written to history. */
  refused(): void {
    this.log.update(this.id, { refused: true });
  }

  /** Nobody is left to receive the answer (client gone, or cancelled from the window). Too late once the turn ended. */
  cancelled(): void {
    this.outcome ??= { kind: 'cancelled' };
  }

  /** The one place a record is finished: what the turn said wins over the HTTP response it produced. */
  finish(response: ResponseSummary): void {
    if (this.finished) return;
    this.finished = true;
    const durationMs = this.now() - this.started;
    const responseText = this.keepBodies ? { responseText: truncate(this.answer) } : {};
    const outcome = this.outcome;
    this.log.update(this.id, { route: response.route ?? null });
    if (this.toolCalls.size > 0) this.log.update(this.id, { toolCalls: [...this.toolCalls.values()] });
    if (outcome?.kind === 'cancelled') {
      // 499: nginx's "client closed request", the usual mark for an answer nobody was left to receive.
      this.log.update(this.id, { state: 'cancelled', status: 499, durationMs });
    } else if (response.thrown || !outcome) {
      const { status, error } = response;
      this.log.update(this.id, { state: status >= 400 ? 'failed' : 'done', status, durationMs, ...(error ? { error } : {}) });
    } else if (outcome.kind === 'failed') {
      const { error } = outcome;
      this.log.update(this.id, {
        ...responseText,
        state: 'failed',
        status: statusIn(error, this.api),
        durationMs,
        error: { type: error.type, code: error.code, message: error.message },
      });
    } else {
      const { usage, stopReason } = outcome.event;
      this.log.update(this.id, {
        ...responseText,
        state: 'done',
        status: 200,
        durationMs,
        inputTokens: usage.inputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens,
        outputTokens: usage.outputTokens,
        cacheReadTokens: usage.cacheReadInputTokens,
        cacheWriteTokens: usage.cacheCreationInputTokens,
        stopReason,
      });
    }
  }
}

function truncate(text: string): string {
  return text.length > MAX_KEPT_CHARS ? `${text.slice(0, MAX_KEPT_CHARS)}… [truncated]` : text;
}
