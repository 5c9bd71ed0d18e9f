import type { Next } from 'koa';
import { koaBody } from 'koa-body';
import { assertDepth } from '../api/validation.js';
import { ProxyError } from '../errors.js';
import type { ProxyContext } from './context.js';

/**
 * Reads a JSON object body into `ctx.state.body`. What it refuses, and how:
 * over the limit 413 (koa-body), not JSON 400, not an object or nested too
 * deep 400, and a body that cannot be read at all (a broken Content-Encoding,
 * a stream error) 400 too: those errors carry no HTTP status of their own.
 */
export function jsonBody(limitBytes: () => number) {
  const build = (limit: number) => ({
    limit,
    middleware: koaBody({ json: true, jsonStrict: true, urlencoded: false, text: false, multipart: false, jsonLimit: limit }),
  });
  // koa-body reads its limit once, so the parser is rebuilt when the setting changes.
  let parser = build(limitBytes());
  return async (ctx: ProxyContext, next: Next) => {
    if (parser.limit !== limitBytes()) parser = build(limitBytes());
    let read = false;
    await parser
      .middleware(ctx, async () => {
        read = true;
        const body = ctx.request.body;
        if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new ProxyError('invalid_request_error', 'Request body must be a JSON object', {
            code: 'invalid_body',
            details: { issue: 'body is not a JSON object' },
          });
        }
        assertDepth(body);
        ctx.state.body = body;
        await next();
      })
      .catch((error: unknown) => {
        throw read ? error : unreadable(error);
      });
  };
}

function unreadable(error: unknown): unknown {
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return error;
  return new ProxyError('invalid_request_error', `Malformed request: the body could not be read (${(error as Error)?.message ?? 'unknown error'})`, {
    code: 'invalid_body',
    details: { issue: 'unreadable body' },
  });
}
