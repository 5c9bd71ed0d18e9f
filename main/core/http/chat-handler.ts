import type { ChatRequest } from '../api/chat-request.js';
import type { CliManager } from '../cli/cli-manager.js';
import type { TurnEvent } from '../cli/turn-events.js';
import type { RunEvent, TurnStream } from '../cli/turn-stream.js';
import { ProxyError, toProxyError } from '../errors.js';
import { ignoredHeader } from '../limits/client-strings.js';
import type { Logger } from '../logger.js';
import { TurnCollector } from '../translate/collect-turn.js';
import type { StreamRenderer, TurnRenderer } from './apis/api-module.js';
import type { ProxyContext } from './context.js';
import type { RequestRecorder } from './request-recorder.js';
import { sendSse } from './sse.js';

/**
 * Serves one chat request, top to bottom: the CLI turn (an async iterable),
 * the API's renderer, then SSE or one JSON body. A stream is committed (200 +
 * SSE headers) only when the first event is a real start, so failures before
 * any output (not logged in, unknown model, queue full) still get their proper
 * HTTP status; failures after that become the API's in-stream error event.
 */

export interface ChatDeps {
  cli: Pick<CliManager, 'run'>;
  logBodies: () => boolean;
  logger: Logger;
  /** Cancels an in-flight chat request by its id (from the window). */
  inflight: Map<string, () => void>;
}

export async function handleChat(ctx: ProxyContext, deps: ChatDeps, api: TurnRenderer, request: ChatRequest): Promise<void> {
  if (request.ignored.length > 0) ctx.set('X-Claude-Proxy-Ignored', ignoredHeader(request.ignored));
  const recorder = ctx.state.recorder;
  recorder?.chat(request, ctx.state.body, deps.logBodies());

  const turn = deps.cli.run(request);
  const cancel = () => {
    recorder?.cancelled();
    void turn.return();
  };
  // 'close' before the response finished means the client went away: end the CLI child.
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) cancel();
  });
  const id = ctx.state.requestId;
  deps.inflight.set(id, () => {
    cancel();
    // A cancelled stream ends now; a client still waiting for a whole answer gets the connection closed.
    ctx.res.destroy();
  });
  void turn.finished.finally(() => deps.inflight.delete(id));

  const events = turnEvents(turn, recorder);
  if (!request.stream) {
    ctx.body = await collect(events, api, request, id);
    return;
  }
  const first = await events.next();
  if (first.done) throw noAnswer();
  if (first.value.type === 'error') throw first.value.error;
  const render = api.streamRenderer(request, id);
  sendSse(ctx, frames(first.value, events, render), {
    ping: render.ping,
    headers: { Connection: 'keep-alive' },
    onError: (error) => deps.logger.error('Stream writer failed', { requestId: id, error: String(error) }),
  });
}

function noAnswer(): ProxyError {
  return new ProxyError('cli_error', 'The Claude CLI ended without an answer', { code: 'cli_no_answer' });
}

/**
 * The turn as the client sees it: the child's pid goes to the request log
 * only, and a run that fails or stops without a final event ends with an
 * `error` event. Cancelled, it just ends.
 */
async function* turnEvents(turn: TurnStream, recorder: RequestRecorder | undefined): AsyncGenerator<TurnEvent, void> {
  for (;;) {
    let next: IteratorResult<RunEvent>;
    try {
      next = await turn.next();
    } catch (error) {
      const failure = { type: 'error' as const, error: toProxyError(error) };
      recorder?.turn(failure);
      yield failure;
      return;
    }
    if (next.done) break;
    const event = next.value;
    recorder?.turn(event);
    if (event.type === 'spawned' || event.type === 'usage' || event.type === 'plan') continue;
    yield event;
    if (event.type === 'end' || event.type === 'error') return;
  }
  if (turn.cancelled) return;
  const failure = { type: 'error' as const, error: noAnswer() };
  recorder?.turn(failure);
  yield failure;
}

async function collect(events: AsyncIterable<TurnEvent>, api: TurnRenderer, request: ChatRequest, requestId: string): Promise<unknown> {
  const collector = new TurnCollector();
  for await (const event of events) {
    if (event.type === 'error') throw event.error;
    collector.add(event);
    if (collector.finished) break;
  }
  if (!collector.finished) throw noAnswer();
  return api.message(collector.result(), request, requestId);
}

async function* frames(first: TurnEvent, rest: AsyncIterator<TurnEvent>, render: StreamRenderer): AsyncGenerator<string, void> {
  let event = first;
  for (;;) {
    const frame = await render.event(event);
    if (frame) yield frame;
    if (event.type === 'end' || event.type === 'error') return;
    const next = await rest.next();
    // Cancelled: the client is gone, nothing more to send.
    if (next.done) return;
    event = next.value;
  }
}
