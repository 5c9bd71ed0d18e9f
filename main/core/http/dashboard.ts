/**
 * The headless host of the window: the renderer bundle at `/dashboard/`, and
 * the window contract over HTTP (`POST api/invoke/:channel`) and server-sent
 * events (`GET api/events`), so a browser gets the same page the desktop app
 * shows.
 *
 * Threat model. This API can stop the proxy, move its port, read request
 * metadata and change the CLI path (which program runs with the owner's
 * login), so it must answer only its owner, through a page this proxy served:
 * - Every `api/` call but the token trade needs the session cookie and page
 *   key that only the holder of the per-install secret can get
 *   (dashboard-auth.ts). Other
 *   accounts on this machine reach 127.0.0.1 too; they cannot read the secret.
 * - The Host and Origin guard (security.ts) runs before this: only loopback
 *   Host names or the exact address the request came in on, and only the
 *   page's own Origin, so another site's page can neither call it (CSRF) nor
 *   read it (DNS rebinding). `allowedOrigins` does not apply here.
 * - Invocations must be `application/json` (a preflighted type), and every
 *   payload is parsed with the contract's zod schema before anything runs.
 * - The page gets a strict CSP with no inline script and may not be framed.
 * It is neither rate-limited nor put in the request log: it is the operator's
 * own view, and logging it would flood the log it shows. Refusals are logged
 * (refused-record.ts). The static page needs no secret: it holds none.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Next } from 'koa';
import { ZodError } from 'zod';
import { isInvokeChannel } from '../../../shared/contract.js';
import { ProxyError } from '../errors.js';
import type { Logger } from '../logger.js';
import { AddressWindow, AUTH_FAILURES_PER_MINUTE } from './address-window.js';
import type { ProxyContext } from './context.js';
import { dashboardAuth, type DashboardAuthDeps } from './dashboard-auth.js';
import type { DashboardBridge } from './dashboard-bridge.js';
import { streamEvents } from './dashboard-events.js';
import { DASHBOARD_PATH, isDashboardPath } from './dashboard-paths.js';
import { jsonBody } from './json-body.js';
import { requireJson } from './security.js';

export { DASHBOARD_PATH, isDashboardPath } from './dashboard-paths.js';

/** Open event streams at once: a page holds one; more than this is a leak or an attack, and each holds listeners and a buffer. */
export const MAX_EVENT_STREAMS = 64;

/** The page's meta policy plus `frame-ancestors`, which only works as a header. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const FILES: Record<string, { file: string; type: string }> = {
  '/dashboard/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.js.map': { file: 'app.js.map', type: 'application/json; charset=utf-8' },
  '/dashboard/styles.css': { file: 'styles.css', type: 'text/css; charset=utf-8' },
};

const INVOKE_PATH = /^\/dashboard\/api\/invoke\/([^/]+)$/;

/**
 * Where the built bundle is: `dist/renderer` under the repo root when running
 * from source, or the sibling `renderer` folder when running from `dist/main`.
 * Looked up per request so a build made after start is picked up.
 */
export function defaultBundleDir(): string {
  const candidates = ['../../../dist/renderer/', '../../../renderer/'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!;
}

export interface DashboardDeps extends DashboardAuthDeps {
  /** Answers undefined when no host attached one: the API is then a 404. */
  /** The window contract; absent where the window uses IPC instead (the desktop shell). */
  bridge: DashboardBridge | undefined;
  logger: Logger;
  now?: () => number;
}

export function dashboard(
  deps: DashboardDeps,
  bundleDir: () => string = defaultBundleDir,
  failures = new AddressWindow(AUTH_FAILURES_PER_MINUTE, deps.now),
) {
  const parseJson = jsonBody(() => 256 * 1024);
  const json = requireJson();
  const auth = dashboardAuth(deps, failures, deps.logger);
  let streams = 0;

  return async (ctx: ProxyContext, next: Next) => {
    if (!isDashboardPath(ctx.path)) return void (await next());
    ctx.set('Content-Security-Policy', DASHBOARD_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
    ctx.set('Cache-Control', 'no-store');

    // The page's relative URLs (app.js, api/…) need the trailing slash to resolve under /dashboard/.
    if (ctx.path === DASHBOARD_PATH) {
      allow(ctx, 'GET', 'HEAD');
      ctx.status = 302;
      ctx.set('Location', `${DASHBOARD_PATH}/`);
      return;
    }
    const file = FILES[ctx.path];
    if (file) {
      allow(ctx, 'GET', 'HEAD');
      return serveFile(ctx, bundleDir(), file);
    }
    if (ctx.path === '/dashboard/api/session') {
      allow(ctx, 'GET', 'POST');
      bridgeOf(deps);
      if (ctx.method === 'POST') await json(ctx, () => parseJson(ctx, async () => undefined));
      return auth.session(ctx);
    }
    if (ctx.path.startsWith(`${DASHBOARD_PATH}/api/`)) {
      bridgeOf(deps);
      auth.require(ctx);
    }
    if (ctx.path === '/dashboard/api/events') {
      allow(ctx, 'GET');
      const bridge = bridgeOf(deps);
      if (streams >= MAX_EVENT_STREAMS) {
        throw new ProxyError('service_unavailable', `Too many dashboard event streams open (${MAX_EVENT_STREAMS}); close some pages`, {
          code: 'too_many_streams',
          headers: { 'Retry-After': '5' },
        });
      }
      streams += 1;
      return streamEvents(ctx, bridge, () => (streams -= 1));
    }
    // The usage totals as plain JSON, for scripts holding the dashboard's session (the window uses usage:totals).
    if (ctx.path === '/dashboard/api/usage') {
      allow(ctx, 'GET');
      ctx.body = await bridgeOf(deps).invoke('usage:totals', undefined);
      return;
    }
    const invoke = INVOKE_PATH.exec(ctx.path);
    if (invoke) {
      allow(ctx, 'POST');
      const bridge = bridgeOf(deps);
      const channel = decodePart(invoke[1]!);
      if (!isInvokeChannel(channel)) {
        throw new ProxyError('not_found_error', `Unknown channel ${channel.slice(0, 100)}`, {
          code: 'unknown_channel',
          details: { field: 'channel', issue: 'not in the contract' },
        });
      }
      await json(ctx, () => parseJson(ctx, async () => undefined));
      const body = ctx.state.body as { payload?: unknown } | undefined;
      try {
        ctx.body = { result: await bridge.invoke(channel, body?.payload) };
      } catch (error) {
        if (!(error instanceof ZodError)) throw error;
        const issue = error.issues[0];
        const field = ['payload', ...(issue?.path ?? []).map(String)].join('.');
        throw new ProxyError('invalid_request_error', `Invalid payload for ${channel}: ${field}: ${issue?.message ?? 'invalid'}`, {
          code: 'validation_error',
          details: { field, issue: issue?.message ?? 'invalid' },
        });
      }
      return;
    }
    // Falls through to the error handler's 404, never to the API's rate limiter or request log.
  };
}

/** A malformed escape (`%E0`, `%zz`) is the client's mistake: a 400, not a URIError. */
function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ProxyError('invalid_request_error', 'Malformed percent-escape in the path', {
      code: 'malformed_path',
      details: { field: 'path', issue: 'invalid percent-encoding' },
    });
  }
}

function bridgeOf(deps: Pick<DashboardDeps, 'bridge'>): DashboardBridge {
  const bridge = deps.bridge;
  if (!bridge) {
    throw new ProxyError('not_found_error', 'The dashboard API is not available in this process', { code: 'bridge_not_attached' });
  }
  return bridge;
}

function allow(ctx: ProxyContext, ...methods: string[]): void {
  if (methods.includes(ctx.method)) return;
  throw new ProxyError('invalid_request_error', `Method ${ctx.method} is not allowed on ${ctx.path}`, {
    code: 'method_not_allowed',
    status: 405,
    headers: { Allow: methods.join(', ') },
  });
}

async function serveFile(ctx: ProxyContext, dir: string, file: { file: string; type: string }): Promise<void> {
  try {
    ctx.body = await readFile(path.join(dir, file.file));
    ctx.type = file.type;
  } catch {
    ctx.status = 503;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `The dashboard is not built (${file.file} is missing from ${dir}). Run: npm run build:renderer\n`;
  }
}
