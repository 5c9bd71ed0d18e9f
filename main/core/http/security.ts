/**
 * Threat model. The proxy spends the user's Claude subscription, so every
 * caller is treated as hostile until shown otherwise:
 * - Other machines: it binds to loopback by default.
 * - Web pages in the user's own browser: a page can send requests to
 *   127.0.0.1 (CSRF) or resolve its own domain to 127.0.0.1 (DNS rebinding).
 *   So the Host header must name a loopback host (or the configured bind
 *   host), and a request carrying an Origin is refused unless that origin is
 *   explicitly allowed in settings. No wildcard CORS header is ever sent.
 * - Requests must be `application/json`, which a plain HTML form cannot send
 *   without a CORS preflight.
 * - The dashboard (which can change what program the proxy runs) is held to
 *   more, in every bind mode: its Host must be a loopback name or the exact
 *   address and port the request arrived on (bound to 0.0.0.0, any name would
 *   otherwise do, which is DNS rebinding), and only its own page's origin may
 *   call it: `allowedOrigins` opens the API, never the dashboard.
 */
import type { Next } from 'koa';
import { ProxyError } from '../errors.js';
import type { ProxyContext } from './context.js';
import { isDashboardPath } from './dashboard-paths.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** A Host value must be a name or bracketed IPv6 address and an optional port, and nothing else. */
const HOST_VALUE = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/** The host name of a well-formed Host value, lower-cased; undefined for anything else. */
export function hostName(hostHeader: string): string | undefined {
  const match = HOST_VALUE.exec(hostHeader.trim());
  return match?.[1]?.toLowerCase();
}

function isLoopbackName(name: string): boolean {
  return LOOPBACK_HOSTS.has(name) || name.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * For the dashboard: a loopback name, or exactly the address:port the
 * connection arrived on (the bound address, or this machine's address on that
 * interface when bound to all of them). A rebinding page's Host is its own
 * name, so it never matches.
 */
export function isAllowedDashboardHost(
  hostHeader: string | undefined,
  bindHost: string,
  local: { localAddress?: string | undefined; localPort?: number | undefined },
): boolean {
  const match = hostHeader === undefined ? null : HOST_VALUE.exec(hostHeader.trim());
  const name = match?.[1]?.toLowerCase();
  if (name === undefined) return false;
  if (isLoopbackName(name)) return true;
  const port = Number(/:(\d{1,5})$/.exec(hostHeader!.trim())?.[1] ?? 80);
  if (port !== local.localPort) return false;
  const bare = name.replace(/^\[|\]$/g, '');
  const bound = bindHost.toLowerCase();
  if (bound !== '0.0.0.0' && bound !== '::' && bare === bound) return true;
  return bare === (local.localAddress ?? '').toLowerCase().replace(/^::ffff:/, '');
}

export function isAllowedHost(hostHeader: string | undefined, bindHost: string): boolean {
  const name = hostHeader === undefined ? undefined : hostName(hostHeader);
  if (name === undefined) return false;
  if (isLoopbackName(name)) return true;
  // Bound to every interface, the proxy is reached by whatever name the network gives it; it then
  // refuses to start without an access key, which is what protects it (see access-key.ts).
  if (bindHost === '0.0.0.0' || bindHost === '::') return true;
  return name === bindHost.toLowerCase() || name === `[${bindHost.toLowerCase()}]`;
}

export function hostAndOriginGuard(settings: () => { host: string; allowedOrigins: string[] }) {
  return async (ctx: ProxyContext, next: Next) => {
    const { host, allowedOrigins } = settings();
    // One Host, and an origin-form target: an absolute-form target (`GET http://evil.com/…`) would
    // name another host than the one checked here (RFC 9112 §3.2.2), and two Hosts are ambiguous.
    const hostLines = ctx.req.rawHeaders.filter(
      (_, index) => index % 2 === 0 && ctx.req.rawHeaders[index]!.toLowerCase() === 'host',
    ).length;
    const target = ctx.req.url ?? '';
    if (hostLines > 1 || !(target.startsWith('/') || (target === '*' && ctx.method === 'OPTIONS'))) {
      throw new ProxyError(
        'permission_error',
        'Request refused: one Host header and a path-only request target are required (DNS rebinding protection)',
        {
          code: 'host_not_allowed',
          details: { field: 'Host', issue: hostLines > 1 ? 'more than one Host header' : 'absolute-form request target' },
        },
      );
    }
    const dashboard = isDashboardPath(ctx.path);
    const hostHeader = ctx.get('Host') || undefined;
    if (dashboard ? !isAllowedDashboardHost(hostHeader, host, ctx.req.socket) : !isAllowedHost(hostHeader, host)) {
      throw new ProxyError('permission_error', 'Host header is not a loopback name; request refused (DNS rebinding protection)', {
        code: 'host_not_allowed',
        details: { field: 'Host', issue: 'not a loopback host' },
      });
    }
    const origin = ctx.get('Origin');
    // The dashboard page is served from here: its own origin is this Host, which already passed the loopback check.
    const sameOrigin = origin === `http://${ctx.get('Host')}`;
    if (origin && !sameOrigin) {
      if (dashboard) {
        throw new ProxyError(
          'permission_error',
          `Origin ${origin.slice(0, 200)} may not use the dashboard: only its own page may (allowedOrigins opens the API only)`,
          {
            code: 'origin_not_allowed',
            details: { field: 'Origin', issue: 'not the dashboard’s own origin' },
          },
        );
      }
      if (!allowedOrigins.includes(origin)) {
        throw new ProxyError(
          'permission_error',
          `Origin ${origin} is not allowed to use this proxy; add it to allowedOrigins in settings`,
          {
            code: 'origin_not_allowed',
            details: { field: 'Origin', issue: 'not in allowedOrigins' },
          },
        );
      }
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.vary('Origin');
      ctx.set(
        'Access-Control-Expose-Headers',
        'X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Claude-Proxy-Ignored',
      );
      if (ctx.method === 'OPTIONS') {
        // DELETE: the Responses API removes a stored response with it.
        ctx.set('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
        ctx.set('Access-Control-Allow-Headers', ctx.get('Access-Control-Request-Headers') || 'content-type');
        ctx.set('Access-Control-Max-Age', '600');
        ctx.status = 204;
        return;
      }
    }
    await next();
  };
}

export function requireJson() {
  return async (ctx: ProxyContext, next: Next) => {
    if (ctx.method === 'POST' && !ctx.is('application/json')) {
      throw new ProxyError('unsupported_media_type', 'Content-Type must be application/json', {
        code: 'unsupported_media_type',
        details: { field: 'Content-Type', issue: `got ${ctx.get('Content-Type') || 'none'}` },
      });
    }
    await next();
  };
}

/** For the bind address: loopback names and the whole 127/8 range. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}
