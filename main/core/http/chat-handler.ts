import { PassThrough } from 'node:stream';
import type { ChatRequest } from '../api/chat-request.js';
import { ProxyError, toProxyError } from '../errors.js';
import { ignoredHeader } from '../limits/client-strings.js';
import { TurnCollector } from '../translate/collect-turn.js';
import { anthropicEvent, anthropicMessage, anthropicPing } from '../translate/to-anthropic.js';
import { createOpenAIStreamState, openaiChunks, openaiCompletion } from '../translate/to-openai.js';
import type { TurnEvent } from '../cli/turn-events.js';
import type { AppDeps, ProxyContext } from './context.js';
import { EventChannel } from './event-channel.js';

/**
 * Serves one chat request through the CLI manager, streaming or not, in either
 * dialect. A stream is committed (200 + SSE headers) only when the first event
 * is a real start, so failures before any output (not logged in, unknown model,
 * queue full) still get their proper HTTP status; failures after that become
 * the dialect's in-stream error event.
 */

const PING_INTERVAL_MS = 15_000;
/** What is kept of a body or an answer when `logBodies` is on. */
const MAX_KEPT_CHARS = 64 * 1024;

function truncate(text: string): string {
  return text.length > MAX_KEPT_CHARS ? `${text.slice(0, MAX_KEPT_CHARS)}… [truncated]` : text;
}

type Done = { type: 'run_failed'; error: ProxyError } | { type: 'run_over' };

export async function handleChat(ctx: ProxyContext, deps: AppDeps, request: ChatRequest): Promise<void> {
  if (request.ignored.length > 0) ctx.set('X-Claude-Proxy-Ignored', ignoredHeader(request.ignored));
  const recordId = ctx.state.recordId;
  const started = (deps.now ?? Date.now)();
  const keepBodies = deps.settings().logBodies;
  if (recordId) {
    deps.requestLog.update(recordId, {
      model: request.model,
      stream: request.stream,
      ignored: request.ignored,
      ...(keepBodies ? { requestBody: truncate(JSON.stringify(ctx.state.body)) } : {}),
    });
  }
  let answer = '';

  const abort = new AbortController();
  // 'close' before the response finished means the client went away: end the CLI child.
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) abort.abort();
  });
  const id = ctx.state.requestId;
  deps.inflight.set(id, () => {
    abort.abort();
    // A cancelled stream ends now; a client still waiting for a whole answer gets the connection closed.
    ctx.res.destroy();
  });

  const channel = new EventChannel<TurnEvent | Done>();
  let firstToken: number | undefined;
  const run = deps.cli
    .run(request, {
      signal: abort.signal,
      onEvent: (event) => {
        if (firstToken === undefined && (event.type === 'text' || event.type === 'thinking')) {
          firstToken = (deps.now ?? Date.now)() - started;
          if (recordId) deps.requestLog.update(recordId, { ttftMs: firstToken });
        }
        if (keepBodies && event.type === 'text' && answer.length < MAX_KEPT_CHARS) answer += event.text;
        channel.push(event);
      },
      onSpawn: (pid) => recordId && deps.requestLog.update(recordId, { cliPid: pid ?? null }),
    })
    .then(
      () => channel.push({ type: 'run_over' }),
      (error: unknown) => {
        if ((error as Error)?.name === 'AbortError') channel.push({ type: 'run_over' });
        else channel.push({ type: 'run_failed', error: toProxyError(error) });
      },
    )
    .finally(() => channel.close());
  void run.finally(() => deps.inflight.delete(id));

  const observe = (event: TurnEvent | ProxyError) => {
    if (!recordId) return;
    const durationMs = (deps.now ?? Date.now)() - started;
    if (abort.signal.aborted) {
      // 499: nginx's "client closed request", the usual mark for an answer nobody was left to receive.
      deps.requestLog.update(recordId, { state: 'cancelled', status: 499, durationMs });
    } else if (event instanceof ProxyError) {
      deps.requestLog.update(recordId, { ...(keepBodies ? { responseText: truncate(answer) } : {}), state: 'failed', status: event.status, durationMs, error: { type: event.type, code: event.code, message: event.message } });
    } else if (event.type === 'end') {
      deps.requestLog.update(recordId, {
        ...(keepBodies ? { responseText: truncate(answer) } : {}),
        state: 'done',
        status: 200,
        durationMs,
        inputTokens: event.usage.inputTokens + event.usage.cacheCreationInputTokens + event.usage.cacheReadInputTokens,
        outputTokens: event.usage.outputTokens,
        stopReason: event.stopReason,
      });
    }
  };
  try {
    if (request.stream) await stream(ctx, deps, request, channel, abort, observe);
    else await collect(ctx, request, channel, observe);
  } catch (error) {
    // Gone before any answer (queued, or the CLI still starting): a cancellation, not a failure.
    if (abort.signal.aborted && error instanceof ProxyError) observe(error);
    throw error;
  }
}

function failureOf(item: TurnEvent | Done): ProxyError | undefined {
  if (item.type === 'error' || item.type === 'run_failed') return item.error;
  if (item.type === 'run_over') return new ProxyError('cli_error', 'The Claude CLI ended without an answer', { code: 'cli_no_answer' });
  return undefined;
}

type Observe = (event: TurnEvent | ProxyError) => void;

async function collect(ctx: ProxyContext, request: ChatRequest, channel: EventChannel<TurnEvent | Done>, observe: Observe): Promise<void> {
  const collector = new TurnCollector();
  for await (const item of channel) {
    const failure = failureOf(item);
    if (failure) throw failure;
    collector.add(item as TurnEvent);
    observe(item as TurnEvent);
    if (collector.finished) break;
  }
  if (!collector.finished) throw failureOf({ type: 'run_over' })!;
  const turn = collector.result();
  ctx.body =
    request.api === 'anthropic'
      ? anthropicMessage(turn, request.model)
      : openaiCompletion(turn, `chatcmpl-${ctx.state.requestId.slice(4)}`, request.model);
}

async function stream(
  ctx: ProxyContext,
  deps: AppDeps,
  request: ChatRequest,
  channel: EventChannel<TurnEvent | Done>,
  abort: AbortController,
  observe: Observe,
): Promise<void> {
  const first = await channel.next();
  if (first.done) throw failureOf({ type: 'run_over' })!;
  const failure = failureOf(first.value);
  if (failure) throw failure;

  const render = renderer(request, ctx.state.requestId);
  const body = new PassThrough();
  ctx.status = 200;
  ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
  ctx.set('Cache-Control', 'no-cache, no-transform');
  ctx.set('Connection', 'keep-alive');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = body;
  body.on('error', () => abort.abort());

  void pump(body, render, first.value as TurnEvent, channel, observe).catch((error: unknown) => {
    deps.logger.error('Stream writer failed', { requestId: ctx.state.requestId, error: String(error) });
    body.end();
  });
}

interface Render {
  event(event: TurnEvent): string;
  ping(): string;
  /** What a stream that ends without a final event gets. */
  error(error: ProxyError): string;
}

function renderer(request: ChatRequest, requestId: string): Render {
  if (request.api === 'anthropic') {
    return {
      event: (event) => anthropicEvent(event, request.model),
      ping: anthropicPing,
      error: (error) => anthropicEvent({ type: 'error', error }, request.model),
    };
  }
  const state = createOpenAIStreamState(`chatcmpl-${requestId.slice(4)}`, request.model, request.includeUsage);
  return {
    event: (event) => openaiChunks(state, event),
    // An SSE comment: ignored by every SSE parser, keeps proxies and sockets from timing out.
    ping: () => ': ping\n\n',
    error: (error) => openaiChunks(state, { type: 'error', error }),
  };
}

async function pump(
  body: PassThrough,
  render: Render,
  first: TurnEvent,
  channel: EventChannel<TurnEvent | Done>,
  observe: Observe,
): Promise<void> {
  const ping = setInterval(() => body.write(render.ping()), PING_INTERVAL_MS);
  try {
    let item: TurnEvent | Done = first;
    for (;;) {
      const failure = failureOf(item);
      if (failure) {
        observe(failure);
        body.write(render.error(failure));
        return;
      }
      const event = item as TurnEvent;
      observe(event);
      const frame = render.event(event);
      if (frame) body.write(frame);
      if (event.type === 'end' || event.type === 'error') return;
      const next = await channel.next();
      if (next.done) {
        const ended = failureOf({ type: 'run_over' })!;
        observe(ended);
        body.write(render.error(ended));
        return;
      }
      item = next.value;
    }
  } finally {
    clearInterval(ping);
    body.end();
  }
}
