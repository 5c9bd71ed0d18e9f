import { finished, Readable } from 'node:stream';
import type { Next } from 'koa';
import type { ApiDialect } from '../api/chat-request.js';
import { ProxyError, statusIn } from '../errors.js';
import type { RequestLog } from '../request-log.js';
import type { ProxyContext } from './context.js';
import { RequestRecorder, type ResponseSummary } from './request-recorder.js';

/**
 * Puts every API request into the request log through one recorder on
 * `ctx.state`: started here, told what happened by the handler, finished here
 * once the response is over: at once for a plain body, when the stream ends
 * (or its client leaves) for a streamed one.
 */
export function recordRequests(log: RequestLog, now: () => number = Date.now) {
  return async (ctx: ProxyContext, next: Next) => {
    const recorder = new RequestRecorder(log, now, {
      id: ctx.state.requestId,
      clientIp: ctx.request.socket.remoteAddress ?? 'unknown',
      method: ctx.method,
      path: ctx.path,
      // The API that owns the path (the same module the error handler took the error shape from); the rest are 'other'.
      api: ctx.state.api ?? 'other',
      userAgent: ctx.get('User-Agent') || null,
    });
    ctx.state.recorder = recorder;
    let thrown: ResponseSummary | undefined;
    try {
      await next();
    } catch (error) {
      // The error handler further out renders it only after this has run: take status and message from the error.
      thrown = describeThrown(error, ctx.state.dialect);
      throw error;
    } finally {
      const body: unknown = ctx.body;
      // The router's own pattern (`/v1/responses/:id`): a closed set, so metrics can label by it without a cap.
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : null;
      if (!thrown && body instanceof Readable) {
        finished(body, (error) => {
          // Cut short: the client left. When it leaves with unread data (it stopped reading, then reset the
          // connection) the body ends before the response's 'close' reaches the handler, so say it here too.
          if (error) recorder.cancelled();
          recorder.finish({ status: ctx.status, error: null, thrown: false, route });
        });
      } else {
        recorder.finish({ ...(thrown ?? { status: ctx.status, error: errorOf(body) ?? null, thrown: false }), route });
      }
    }
  };
}

function errorOf(body: unknown): { type: string; code: string; message: string } | undefined {
  const error = (body as { error?: { type?: unknown; code?: unknown; message?: unknown } } | undefined)?.error;
  if (!error || typeof error.message !== 'string') return undefined;
  const type = typeof error.type === 'string' ? error.type : 'error';
  return { type, code: typeof error.code === 'string' ? error.code : type, message: error.message };
}

function describeThrown(thrown: unknown, dialect: ApiDialect): ResponseSummary {
  if (thrown instanceof ProxyError)
    return { status: statusIn(thrown, dialect), error: { type: thrown.type, code: thrown.code, message: thrown.message }, thrown: true };
  // koa-body and Koa throw http-errors; anything else is a 500 whose internals stay out of the log.
  const status = (thrown as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, error: { type: 'invalid_request_error', code: 'invalid_body', message: (thrown as Error).message }, thrown: true };
  }
  return { status: 500, error: { type: 'api_error', code: 'api_error', message: 'Internal proxy error' }, thrown: true };
}
