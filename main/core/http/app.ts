import Koa from 'koa';
import type { AppDeps, ProxyState } from './context.js';
import { dashboard } from './dashboard.js';
import { requireAccessKey } from './access-key.js';
import { errorHandler } from './error-handler.js';
import { rateLimit } from './rate-limit.js';
import { recordRequests } from './request-record.js';
import { createRouter } from './routes.js';
import { hostAndOriginGuard } from './security.js';

/**
 * The Koa app, built once and usable without a listener (`app.callback()`).
 * Order matters: the error handler wraps everything; Host/Origin checks run
 * before any work; `/health` and the dashboard are neither rate-limited nor logged.
 */
export function createApp(deps: AppDeps): Koa<ProxyState> {
  const app = new Koa<ProxyState>();
  app.proxy = false;
  const router = createRouter(deps);
  const limited = rateLimit(deps.limiter);
  const record = recordRequests(deps);

  app.use(errorHandler(deps.logger));
  app.use(hostAndOriginGuard(deps.settings));
  app.use(requireAccessKey(deps.settings));
  app.use(dashboard(deps));
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
