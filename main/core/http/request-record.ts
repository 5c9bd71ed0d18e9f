import type { Next } from 'koa';
import { anthropicErrorBody, openaiErrorBody } from '../errors.js';
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
      api: ctx.path.includes('/chat/completions') || ctx.path.startsWith('/openai/') ? 'openai' : ctx.path.startsWith('/v1/messages') ? 'anthropic' : 'other',
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
    });
    ctx.state.recordId = record.id;
    try {
      await next();
    } finally {
      const current = deps.requestLog.get(record.id);
      if (current?.state === 'in_progress' && !isStream(ctx)) {
        const error = errorOf(ctx.body);
        deps.requestLog.update(record.id, {
          state: ctx.status >= 400 ? 'failed' : 'done',
          status: ctx.status,
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

