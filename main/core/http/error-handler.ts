import { randomUUID } from 'node:crypto';
import type { Next } from 'koa';
import { anthropicErrorBody, openaiErrorBody, ProxyError, statusIn, toProxyError } from '../errors.js';
import { capString } from '../limits/client-strings.js';
import type { Logger } from '../logger.js';
import { apiOwning, dialectFor } from './apis/apis.js';
import type { ProxyContext } from './context.js';

/**
 * The one error path: every failure, thrown anywhere below, is answered here in
 * the shape of the API the client called. Routes throw; they never render errors.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: ProxyContext, next: Next) => {
    ctx.state.requestId = `req_${randomUUID().replaceAll('-', '')}`;
    ctx.state.dialect = dialectFor(ctx.path, ctx.headers);
    ctx.state.api = apiOwning(ctx.path)?.label;
    ctx.set('X-Request-Id', ctx.state.requestId);
    try {
      await next();
      if (ctx.status === 405 && ctx.body === undefined) {
        throw new ProxyError('invalid_request_error', `Method ${ctx.method} is not allowed on ${capString(ctx.path)}`, {
          code: 'method_not_allowed',
          status: 405,
          headers: { Allow: ctx.response.get('Allow') },
        });
      }
      if (ctx.status === 404 && ctx.body === undefined) {
        // The path is the client's (up to Node's 16 KB header limit): echoed capped.
        throw new ProxyError('not_found_error', `No route for ${ctx.method} ${capString(ctx.path)}`, {
          code: 'route_not_found',
          details: { field: 'path', issue: 'Unknown endpoint' },
        });
      }
    } catch (thrown) {
      const error = fromKoa(thrown);
      if (error.status >= 500 && error.code === 'api_error') {
        logger.error('Unhandled error in request', {
          requestId: ctx.state.requestId,
          error: String((error.cause as Error)?.stack ?? error.cause),
        });
      }
      renderError(ctx, error);
    }
  };
}

export function renderError(ctx: ProxyContext, error: ProxyError): void {
  ctx.status = statusIn(error, ctx.state.dialect);
  for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
  ctx.body = ctx.state.dialect === 'anthropic' ? anthropicErrorBody(error) : openaiErrorBody(error);
}

/** koa-body and Koa itself throw http-errors (`status`, `expose`); keep their status, never their internals. */
function fromKoa(thrown: unknown): ProxyError {
  if (thrown instanceof ProxyError) return thrown;
  const status = (thrown as { status?: unknown })?.status;
  if (status === 413 || (thrown as { type?: string })?.type === 'entity.too.large') {
    return new ProxyError('request_too_large', 'Request body is larger than the configured limit', { code: 'body_too_large' });
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ProxyError('invalid_request_error', `Malformed request: ${(thrown as Error).message}`, {
      code: 'invalid_body',
      status,
      details: { issue: (thrown as Error).message },
    });
  }
  return toProxyError(thrown);
}
