import type { Next } from 'koa';
import type { RequestRecord } from '../../../shared/request-record.js';
import { anthropicErrorBody, openaiErrorBody, ProxyError } from '../errors.js';
import type { AppDeps, ProxyContext } from './context.js';

/**
 * Puts every API request into the request log. Chat requests are finished by
 * the chat handler when their turn ends; everything else (errors included) is
 * finished here from the response.
 */
export function recordRequests(deps: AppDeps) {
  return async (ctx: ProxyContext, next: Next) => {
    const started = (deps.now ?? Date.now)();
    const record = deps.requestLog.add({
      id: ctx.state.requestId,
      startedAt: started,
      clientIp: ctx.request.socket.remoteAddress ?? 'unknown',
      method: ctx.method,
      path: ctx.path,
      // Requests that belong to one API take its dialect (already worked out by the error handler); the rest are 'other'.
      api: isApiPath(ctx.path) ? ctx.state.dialect : 'other',
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
      cliPid: null,
      userAgent: ctx.get('User-Agent') || null,
      requestBody: null,
      responseText: null,
    });
    ctx.state.recordId = record.id;
    let thrown: { status: number; error: RequestRecord['error'] } | undefined;
    try {
      await next();
    } catch (error) {
      // The error handler further out renders it only after this finally has run: take status and message from the error.
      thrown = describeThrown(error);
      throw error;
    } finally {
      const current = deps.requestLog.get(record.id);
      if (current?.state === 'in_progress' && !isStream(ctx)) {
        const status = thrown?.status ?? ctx.status;
        const error = thrown?.error ?? errorOf(ctx.body);
        deps.requestLog.update(record.id, {
          state: status >= 400 ? 'failed' : 'done',
          status,
          durationMs: (deps.now ?? Date.now)() - started,
          ...(error ? { error } : {}),
        });
      }
    }
  };
}

function isStream(ctx: ProxyContext): boolean {
  return typeof (ctx.body as { pipe?: unknown } | null)?.pipe === 'function';
}

function errorOf(body: unknown): { type: string; code: string; message: string } | undefined {
  const error = (body as { error?: { type?: unknown; code?: unknown; message?: unknown } } | undefined)?.error;
  if (!error || typeof error.message !== 'string') return undefined;
  return { type: String(error.type ?? 'error'), code: String(error.code ?? error.type ?? 'error'), message: error.message };
}

function describeThrown(thrown: unknown): { status: number; error: RequestRecord['error'] } {
  if (thrown instanceof ProxyError) return { status: thrown.status, error: { type: thrown.type, code: thrown.code, message: thrown.message } };
  // koa-body and Koa throw http-errors; anything else is a 500 whose internals stay out of the log.
  const status = (thrown as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, error: { type: 'invalid_request_error', code: 'invalid_body', message: (thrown as Error).message } };
  }
  return { status: 500, error: { type: 'api_error', code: 'api_error', message: 'Internal proxy error' } };
}

function isApiPath(path: string): boolean {
  return path.startsWith('/openai/') || path.startsWith('/v1/messages') || /\/chat\/completions\/?$/.test(path);
}
