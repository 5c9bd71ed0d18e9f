/**
 * Exposure beyond this machine. Bound to loopback, the proxy trusts the local
 * user's programs (the Host/Origin guard keeps web pages out). Bound to any
 * other address it is reachable by other machines, so it will only start with
 * an access key, and every request must then present it (`Authorization:
 * Bearer <key>` or `x-api-key: <key>`, which is what the OpenAI and Anthropic
 * SDKs send for their `apiKey`). A configured key is enforced on loopback too.
 * Wrong keys are counted per address and logged; past the limit a wrong key
 * gets a 429. The right key always passes: other accounts on this machine
 * share 127.0.0.1, and must not be able to lock the owner's SDKs out.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Next } from 'koa';
import { ProxyError } from '../errors.js';
import { ServerError } from '../server-controller.js';
import type { ProxyContext } from './context.js';
import type { Logger } from '../logger.js';
import { refuseIfLimited, type AddressWindow } from './address-window.js';
import { isDashboardPath } from './dashboard-paths.js';
import { isLoopbackHost } from './security.js';

/** Compares digests, so neither the key's content nor its length leaks through timing. */
export function keysMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function presentedKey(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  return bearer || apiKey?.trim() || undefined;
}

export function requireAccessKey(settings: () => { accessKey?: string | undefined }, failures: AddressWindow, logger: Logger) {
  return async (ctx: ProxyContext, next: Next) => {
    const expected = settings().accessKey;
    if (expected === undefined || ctx.method === 'OPTIONS') return void (await next());
    // A browser cannot send a header when it opens a page: the dashboard checks the key itself. Its
    // static files hold nothing; its API needs the session cookie and page key, which beyond loopback
    // are only given for the token and the key together (dashboard-auth.ts), with the same count of wrong guesses.
    if (isDashboardPath(ctx.path)) return void (await next());
    const presented = presentedKey(ctx.get('Authorization') || undefined, ctx.get('x-api-key') || undefined);
    if (presented === undefined || !keysMatch(presented, expected)) {
      refuseIfLimited(ctx, failures);
      const address = ctx.request.socket.remoteAddress ?? 'unknown';
      // A missing key is a misconfigured client, a wrong one may be a guess: only guesses count.
      if (presented !== undefined) {
        logger.warn('Wrong access key', { clientIp: address, failures: failures.add(address), path: ctx.path.slice(0, 200) });
      }
      throw new ProxyError(
        'authentication_error',
        'This proxy requires its access key: send it as `Authorization: Bearer <key>` or `x-api-key: <key>`',
        {
          code: 'invalid_access_key',
          headers: { 'WWW-Authenticate': 'Bearer' },
        },
      );
    }
    await next();
  };
}

/** Why the proxy must not listen on `host` with these settings, if it must not. */
export function exposureError(host: string, accessKey: string | undefined): ServerError | undefined {
  if (isLoopbackHost(host) || accessKey !== undefined) return undefined;
  return new ServerError(
    'ACCESS_KEY_REQUIRED',
    `Refusing to listen on ${host}: other machines could spend your Claude subscription. Set "accessKey" (16+ characters) in settings.json, or bind to 127.0.0.1.`,
  );
}
