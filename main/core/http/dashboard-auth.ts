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
 * - The trade also answers a page key, which the page keeps in localStorage
 *   and sends as `x-dashboard-key`: cookies ignore ports, so a server on
 *   another port of this host gets the cookie, but never the key. Every
 *   `api/` call needs both.
 * - Wrong tokens, keys and cookies count per address; past the limit a wrong
 *   one gets a 429. A right one always passes: every account on the machine
 *   shares 127.0.0.1, so counting must not let one lock the owner out.
 * Secrets are compared as digests in constant time (keysMatch).
 */
import { z } from 'zod';
import { ProxyError } from '../errors.js';
import { PAGE_KEY_HEADER, pageKey, sessionCookieName, sessionValue } from '../dashboard-secret.js';
import type { Logger } from '../logger.js';
import { refuseIfLimited, type AddressWindow } from './address-window.js';
import { keysMatch } from './access-key.js';
import type { Settings } from '../settings.js';
import type { ProxyContext } from './context.js';
import { isLoopbackHost } from './security.js';

const COOKIE_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

const tradeSchema = z.object({ token: z.string().max(256), accessKey: z.string().max(1024).optional() }).strict();

export interface DashboardAuth {
  /** GET/POST `api/session`: whether this browser holds a session, and the trade of the token for one. */
  session(ctx: ProxyContext): void;
  /** Throws the 401 (or 429) unless the request carries a valid session cookie and page key. */
  require(ctx: ProxyContext): void;
}

export interface DashboardAuthDeps {
  settings: () => Settings;
  /** The dashboard's per-install secret once read (undefined: the dashboard API lets nobody in). */
  dashboardSecret?: () => string | undefined;
}

export function dashboardAuth(deps: DashboardAuthDeps, failures: AddressWindow, logger: Logger): DashboardAuth {
  /** The cookie value in force now, or undefined when there is no secret (then nothing is let in). */
  const expected = (): string | undefined => {
    const secret = deps.dashboardSecret?.();
    if (!secret) return undefined;
    return sessionValue(secret, keyRequired(deps) ? deps.settings().accessKey : undefined);
  };
  const address = (ctx: ProxyContext) => ctx.request.socket.remoteAddress ?? 'unknown';
  /** Cookie and page key both right: true; either wrong: false; either missing: undefined. */
  const holdsSession = (ctx: ProxyContext): boolean | undefined => {
    const secret = deps.dashboardSecret?.();
    const value = expected();
    if (!secret || value === undefined) return undefined;
    const cookie = ctx.cookies.get(sessionCookieName(secret));
    const key = ctx.get(PAGE_KEY_HEADER) || undefined;
    if (cookie === undefined || key === undefined) return undefined;
    // Both compared, always: no shortcut that would tell which one was wrong through timing.
    const cookieRight = keysMatch(cookie, value);
    const keyRight = keysMatch(key, pageKey(secret, value));
    return cookieRight && keyRight;
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
      const parsed = tradeSchema.safeParse(ctx.state.body);
      if (!parsed.success) {
        throw new ProxyError('invalid_request_error', 'Send {"token": "<the token from the URL the proxy printed>"}', {
          code: 'invalid_body',
          details: { field: 'token', issue: 'missing or not a string' },
        });
      }
      const secret = deps.dashboardSecret?.();
      if (!secret)
        throw new ProxyError('service_unavailable', 'The dashboard secret could not be read or created; see the proxy’s log', {
          code: 'dashboard_secret_unavailable',
        });
      if (!keysMatch(parsed.data.token, secret)) {
        refuseIfLimited(ctx, failures);
        failed(ctx, 'token');
        throw tokenRequired('This token is not the dashboard’s: open the URL the proxy printed at start', 'invalid_dashboard_token');
      }
      const accessKey = deps.settings().accessKey;
      if (
        keyRequired(deps) &&
        (parsed.data.accessKey === undefined || accessKey === undefined || !keysMatch(parsed.data.accessKey, accessKey))
      ) {
        if (parsed.data.accessKey !== undefined) {
          refuseIfLimited(ctx, failures);
          failed(ctx, 'access key');
        }
        throw new ProxyError('authentication_error', 'This proxy listens beyond this machine: the dashboard needs its access key too', {
          code: 'access_key_required',
          details: { field: 'accessKey', issue: parsed.data.accessKey === undefined ? 'missing' : 'wrong key' },
        });
      }
      const value = expected()!;
      ctx.cookies.set(sessionCookieName(secret), value, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/dashboard',
        maxAge: COOKIE_MAX_AGE_MS,
        overwrite: true,
      });
      ctx.body = { authenticated: true, accessKeyRequired: keyRequired(deps), pageKey: pageKey(secret, value) };
    },
    require(ctx) {
      const holds = holdsSession(ctx);
      if (holds === true) return;
      refuseIfLimited(ctx, failures);
      if (holds === false) failed(ctx, 'session cookie or page key');
      throw tokenRequired(
        'The dashboard needs its token: open the URL the proxy printed at start (…/dashboard/#token=…)',
        'dashboard_token_required',
      );
    },
  };
}

/** Bound beyond loopback, the dashboard needs the access key as well as the token. */
function keyRequired(deps: DashboardAuthDeps): boolean {
  return !isLoopbackHost(deps.settings().host);
}

function tokenRequired(message: string, code: string): ProxyError {
  return new ProxyError('authentication_error', message, { code, details: { field: 'token', issue: 'missing or wrong' } });
}
