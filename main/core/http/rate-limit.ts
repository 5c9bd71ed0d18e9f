import type { Next } from 'koa';
import { ProxyError } from '../errors.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { ProxyContext } from './context.js';

/** Per-client-IP limits. The socket's address is used, never X-Forwarded-For, which any caller can forge. */
export function rateLimit(limiter: RateLimiter) {
  return async (ctx: ProxyContext, next: Next) => {
    const decision = limiter.take(ctx.request.socket.remoteAddress ?? 'unknown');
    ctx.set('X-RateLimit-Limit', String(decision.limit));
    ctx.set('X-RateLimit-Remaining', String(decision.remaining));
    ctx.set('X-RateLimit-Reset', String(decision.resetAt));
    if (!decision.allowed) {
      throw new ProxyError(
        'rate_limit_error',
        `Rate limit exceeded: ${decision.limit} requests per minute; retry in ${decision.retryAfter} s`,
        {
          code: 'rate_limit_exceeded',
          headers: { 'Retry-After': String(decision.retryAfter) },
          details: { issue: 'rate limit exceeded' },
        },
      );
    }
    await next();
  };
}
