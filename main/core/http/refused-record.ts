/**
 * Puts refused requests (a foreign Host or Origin, a missing or wrong access
 * key or dashboard token, too many wrong guesses, a body over the limit) into
 * the request log, marked `refused`, so the user sees attempts in the window.
 * They count toward nothing else: they are refused before the rate limiter,
 * and history skips them. A flood must not push real requests out of the
 * bounded log, so each address gets a few such entries a minute; the rest
 * are counted in one warning.
 */
import type { Next } from 'koa';
import { ProxyError } from '../errors.js';
import { AddressWindow } from './address-window.js';
import type { Logger } from '../logger.js';
import type { RequestLog } from '../request-log.js';
import type { ProxyContext } from './context.js';

export const REFUSED_PER_ADDRESS_PER_MINUTE = 20;
/** And in all: many addresses (a LAN, an IPv6 range) must not fill the log either. */
export const REFUSED_PER_MINUTE = 200;

const REFUSED_CODES = new Set([
  'host_not_allowed',
  'origin_not_allowed',
  'invalid_access_key',
  'too_many_auth_failures',
  'dashboard_token_required',
  'invalid_dashboard_token',
  'access_key_required',
  'body_too_large',
]);

export interface RefusalDeps {
  requestLog: RequestLog;
  logger: Logger;
  now?: () => number;
}

export function recordRefusals(deps: RefusalDeps, budget = new AddressWindow(REFUSED_PER_ADDRESS_PER_MINUTE, deps.now)) {
  const total = new AddressWindow(REFUSED_PER_MINUTE, deps.now);
  return async (ctx: ProxyContext, next: Next) => {
    try {
      await next();
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) note(ctx, refusal);
      throw error;
    }
  };

  function note(ctx: ProxyContext, refusal: { status: number; code: string; type: string; message: string }): void {
    // Already in the log (a body over the limit on the API): mark it; the budget is for new entries.
    if (ctx.state.recorder) {
      ctx.state.recorder.refused();
      return;
    }
    const address = ctx.request.socket.remoteAddress ?? 'unknown';
    const count = budget.add(address);
    if (count > budget.limit) {
      if (count === budget.limit + 1)
        deps.logger.warn('More refused requests from this address this minute are not put in the request log', { clientIp: address });
      return;
    }
    const all = total.add('all');
    if (all > total.limit) {
      if (all === total.limit + 1) deps.logger.warn('More refused requests this minute are not put in the request log');
      return;
    }
    const now = (deps.now ?? Date.now)();
    deps.requestLog.add({
      id: ctx.state.requestId,
      startedAt: now,
      clientIp: address,
      method: ctx.method.slice(0, 16),
      // Client-chosen strings: kept short, a refusal is not worth memory.
      path: ctx.path.slice(0, 512),
      api: 'other',
      model: null,
      stream: false,
      state: 'failed',
      status: refusal.status,
      ttftMs: null,
      durationMs: 0,
      inputTokens: null,
      outputTokens: null,
      stopReason: null,
      error: { type: refusal.type, code: refusal.code, message: refusal.message.slice(0, 300) },
      ignored: [],
      tools: [],
      toolCalls: [],
      cliPid: null,
      userAgent: ctx.get('User-Agent').slice(0, 256) || null,
      requestBody: null,
      responseText: null,
      refused: true,
    });
  }
}

function refusalOf(error: unknown): { status: number; code: string; type: string; message: string } | undefined {
  if (error instanceof ProxyError) {
    return REFUSED_CODES.has(error.code) ? { status: error.status, code: error.code, type: error.type, message: error.message } : undefined;
  }
  // koa-body's own 413 (an http-error); the error handler renders it as body_too_large.
  const status = (error as { status?: unknown })?.status;
  if (status === 413)
    return { status, code: 'body_too_large', type: 'request_too_large', message: 'Request body is larger than the configured limit' };
  return undefined;
}
