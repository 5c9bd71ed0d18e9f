import { Readable } from 'node:stream';
import type { ProxyContext } from './context.js';

/**
 * The one server-sent events responder, for the chat endpoints and the
 * window's event stream. Frames are pulled from an async iterable only as
 * fast as the client reads: Koa pipes the Readable into the response, the
 * pipe stops reading when the socket's buffer is full, and then this stops
 * pulling. A keep-alive frame goes out while nothing else is waiting to be
 * sent, so it never piles up behind a client that stopped reading.
 */

/** An SSE comment: ignored by every SSE parser, keeps proxies and sockets from timing out. */
export const COMMENT_PING = ': ping\n\n';
const PING_INTERVAL_MS = 15_000;

export interface SseOptions {
  /** The keep-alive frame (an API may have its own ping event). */
  ping?: string;
  pingMs?: number;
  cacheControl?: string;
  headers?: Record<string, string>;
  /** A source that fails is logged here; the stream then ends cleanly. */
  onError?: (error: unknown) => void;
}

export function sendSse(ctx: ProxyContext, frames: AsyncIterable<string>, options: SseOptions = {}): Readable {
  const source = frames[Symbol.asyncIterator]();
  let pulling = false;
  let ended = false;
  const body = new Readable({
    read() {
      // Node calls read again after a push; a ping pushed meanwhile must not start a second pull.
      if (pulling || ended) return;
      pulling = true;
      source.next().then(
        (result) => {
          pulling = false;
          if (result.done) end();
          else body.push(result.value);
        },
        (error: unknown) => {
          pulling = false;
          options.onError?.(error);
          end();
        },
      );
    },
    destroy(error, callback) {
      // The client went away (Koa destroys the body): let the source release what it holds.
      stop();
      void source.return?.();
      callback(error);
    },
  });
  const ping = setInterval(() => {
    if (!ended && body.readableLength === 0) body.push(options.ping ?? COMMENT_PING);
  }, options.pingMs ?? PING_INTERVAL_MS);
  ping.unref();
  const stop = () => {
    ended = true;
    clearInterval(ping);
  };
  const end = () => {
    if (ended) return;
    stop();
    body.push(null);
  };

  ctx.status = 200;
  ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
  ctx.set('Cache-Control', options.cacheControl ?? 'no-cache, no-transform');
  ctx.set('X-Accel-Buffering', 'no');
  for (const [name, value] of Object.entries(options.headers ?? {})) ctx.set(name, value);
  ctx.body = body;
  return body;
}
