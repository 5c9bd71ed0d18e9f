import Koa from 'koa';
import { AddressWindow, AUTH_FAILURES_PER_MINUTE } from './address-window.js';
import type { AppDeps, ProxyState } from './context.js';
import { dashboard, defaultBundleDir } from './dashboard.js';
import { requireAccessKey } from './access-key.js';
import { errorHandler } from './error-handler.js';
import { rateLimit } from './rate-limit.js';
import { recordRefusals } from './refused-record.js';
import { recordRequests } from './request-record.js';
import { createRouter } from './routes.js';
import { hostAndOriginGuard } from './security.js';

/**
 * The Koa app, built once and usable without a listener (`app.callback()`).
 * Order matters: the error handler wraps everything; refusals are noted in
 * the request log on their way out; Host/Origin and key checks run before any
 * work; `/health` and the dashboard are neither rate-limited nor logged.
 */

export function createApp(deps: AppDeps): Koa<ProxyState> {
  const app = new Koa<ProxyState>();
  app.proxy = false;
  const router = createRouter(deps);
  const limited = rateLimit(deps.limiter);
  const record = recordRequests(deps);
  // One count for keys and dashboard tokens: a guesser cannot get twice the tries by alternating.
  const authFailures = new AddressWindow(AUTH_FAILURES_PER_MINUTE, deps.now);

  app.use(errorHandler(deps.logger));
  app.use(recordRefusals(deps));
  app.use(hostAndOriginGuard(deps.settings));
  app.use(requireAccessKey(deps.settings, authFailures, deps.logger));
  app.use(dashboard(deps, defaultBundleDir, authFailures));
  app.use(async (ctx, next) => {
    if (ctx.path === '/health') return next();
    // Logged before the limiter, so refused requests show in the window too.
    return record(ctx, () => limited(ctx, next));
  });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  // Errors are rendered by errorHandler; this only stops Koa printing stack traces for stray emits.
  app.on('error', (error: Error) => deps.logger.warn('Koa error', { error: error.message }));
  return app;
}
