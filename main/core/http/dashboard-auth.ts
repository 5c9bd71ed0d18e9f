/**
 * Who may use the dashboard API: the holder of the per-install secret
 * (dashboard-secret.ts), and nobody else, wherever they call from.
 *
 * - The page is opened with `#token=<secret>` (a fragment, so it never reaches
 *   a server log or a Referer). It POSTs the token to `api/session` and gets
 *   an HttpOnly, SameSite=Strict cookie scoped to /dashboard holding a value
 *   derived from the secret (its name too, per install); every other `api/`
 *   call needs that cookie.
 * - Bound to a non-loopback address, the trade also needs the access key, and
 *   the cookie is derived from it too: a browser on this machine is no longer
 *   the only one that can reach the port.
 * - Wrong tokens, keys and cookies count per address; past the limit the
 *   answer is a 429 without checking anything.
 * Secrets are compared as digests in constant time (keysMatch).
 */
import { z } from 'zod';
import { ProxyError } from '../errors.js';
import { sessionCookieName, sessionValue } from '../dashboard-secret.js';
import type { Logger } from '../logger.js';
import { refuseIfLimited, type AddressWindow } from './address-window.js';
import { keysMatch } from './access-key.js';
import type { AppDeps, ProxyContext } from './context.js';
import { isLoopbackHost } from './security.js';

const COOKIE_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

const tradeSchema = z.object({ token: z.string().max(256), accessKey: z.string().max(1024).optional() }).strict();

export interface DashboardAuth {
  /** GET/POST `api/session`: whether this browser holds a session, and the trade of the token for one. */
  session(ctx: ProxyContext): void;
  /** Throws the 401 (or 429) unless the request carries a valid session cookie. */
  require(ctx: ProxyContext): void;
}

export function dashboardAuth(deps: AppDeps, failures: AddressWindow, logger: Logger): DashboardAuth {
  /** The cookie value in force now, or undefined when there is no secret (then nothing is let in). */
  const expected = (): string | undefined => {
    const secret = deps.dashboardSecret?.();
    if (!secret) return undefined;
    return sessionValue(secret, keyRequired(deps) ? deps.settings().accessKey : undefined);
  };
  const address = (ctx: ProxyContext) => ctx.request.socket.remoteAddress ?? 'unknown';
  const holdsSession = (ctx: ProxyContext): boolean | undefined => {
    const secret = deps.dashboardSecret?.();
    const value = expected();
    if (!secret || value === undefined) return undefined;
    const cookie = ctx.cookies.get(sessionCookieName(secret));
    if (cookie === undefined) return undefined;
    return keysMatch(cookie, value);
  };
  const failed = (ctx: ProxyContext, what: string): void => {
    const count = failures.add(address(ctx));
    logger.warn(`Dashboard: wrong ${what}`, { clientIp: address(ctx), failures: count, path: ctx.path.slice(0, 200) });
  };

  return {
    session(ctx) {
      if (ctx.method === 'GET') {
        ctx.body = { authenticated: holdsSession(ctx) === true, accessKeyRequired: keyRequired(deps) };
        return;
      }
      refuseIfLimited(ctx, failures);
      const parsed = tradeSchema.safeParse(ctx.state.body);
      if (!parsed.success) {
        throw new ProxyError('invalid_request_error', 'Send {"token": "<the token from the URL the proxy printed>"}', { code: 'invalid_body', details: { field: 'token', issue: 'missing or not a string' } });
      }
      const secret = deps.dashboardSecret?.();
      if (!secret) throw new ProxyError('service_unavailable', 'The dashboard secret could not be read or created; see the proxy’s log', { code: 'dashboard_secret_unavailable' });
      if (!keysMatch(parsed.data.token, secret)) {
        failed(ctx, 'token');
        throw tokenRequired('This token is not the dashboard’s: open the URL the proxy printed at start', 'invalid_dashboard_token');
      }
      const accessKey = deps.settings().accessKey;
      if (keyRequired(deps) && (parsed.data.accessKey === undefined || accessKey === undefined || !keysMatch(parsed.data.accessKey, accessKey))) {
        if (parsed.data.accessKey !== undefined) failed(ctx, 'access key');
        throw new ProxyError('authentication_error', 'This proxy listens beyond this machine: the dashboard needs its access key too', {
          code: 'access_key_required',
          details: { field: 'accessKey', issue: parsed.data.accessKey === undefined ? 'missing' : 'wrong key' },
        });
      }
      ctx.cookies.set(sessionCookieName(secret), expected()!, { httpOnly: true, sameSite: 'strict', path: '/dashboard', maxAge: COOKIE_MAX_AGE_MS, overwrite: true });
      ctx.body = { authenticated: true, accessKeyRequired: keyRequired(deps) };
    },
    require(ctx) {
      refuseIfLimited(ctx, failures);
      const holds = holdsSession(ctx);
      if (holds === true) return;
      if (holds === false) failed(ctx, 'session cookie');
      throw tokenRequired('The dashboard needs its token: open the URL the proxy printed at start (…/dashboard/#token=…)', 'dashboard_token_required');
    },
  };
}

/** Bound beyond loopback, the dashboard needs the access key as well as the token. */
function keyRequired(deps: AppDeps): boolean {
  return !isLoopbackHost(deps.settings().host);
}

function tokenRequired(message: string, code: string): ProxyError {
  return new ProxyError('authentication_error', message, { code, details: { field: 'token', issue: 'missing or wrong' } });
}
