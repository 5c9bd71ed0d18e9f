import Koa from 'koa';
import type { Logger } from '../logger.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { RequestLog } from '../request-log.js';
import type { Settings } from '../settings.js';
import { requireAccessKey } from './access-key.js';
import { AddressWindow, AUTH_FAILURES_PER_MINUTE } from './address-window.js';
import type { ProxyState } from './context.js';
import type { DashboardBridge } from './dashboard-bridge.js';
import { dashboard, defaultBundleDir } from './dashboard.js';
import { errorHandler } from './error-handler.js';
import { rateLimit } from './rate-limit.js';
import { recordRefusals } from './refused-record.js';
import { recordRequests } from './request-record.js';
import { createRouter, type RouterDeps } from './routes.js';
import { hostAndOriginGuard } from './security.js';

export interface AppParts extends RouterDeps {
  settings: () => Settings;
  limiter: RateLimiter;
  requestLog: RequestLog;
  logger: Logger;
  now: () => number;
  /** The window contract, served at /dashboard/api when a host attached one (404 otherwise). */
  bridge: DashboardBridge | undefined;
  /** The dashboard's per-install secret once read (undefined: the dashboard API lets nobody in). */
  dashboardSecret?: () => string | undefined;
}

/**
 * The Koa app, built once and usable without a listener (`app.callback()`).
 * Each middleware gets only the parts it uses. Order matters: the error
 * handler wraps everything; refusals are noted in the request log on their
 * way out; Host/Origin and key checks run before any work; `/health`,
 * `/metrics` and the dashboard are neither rate-limited nor logged.
 */
export function createApp(parts: AppParts): Koa<ProxyState> {
  const app = new Koa<ProxyState>();
  app.proxy = false;
  const router = createRouter(parts);
  const limited = rateLimit(parts.limiter);
  const record = recordRequests(parts.requestLog, parts.now);
  // One count for keys and dashboard tokens: a guesser cannot get twice the tries by alternating.
  const authFailures = new AddressWindow(AUTH_FAILURES_PER_MINUTE, parts.now);

  app.use(errorHandler(parts.logger));
  app.use(recordRefusals(parts));
  app.use(hostAndOriginGuard(parts.settings));
  app.use(requireAccessKey(parts.settings, authFailures, parts.logger));
  app.use(dashboard(parts, defaultBundleDir, authFailures));
  app.use(async (ctx, next) => {
    // A monitor polls these: neither rate-limited nor logged (the access key still applies).
    if (ctx.path === '/health' || ctx.path === '/metrics') return void (await next());
    // Logged before the limiter, so refused requests show in the window too.
    return record(ctx, () => limited(ctx, next));
  });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  // Errors are rendered by errorHandler; this only stops Koa printing stack traces for stray emits.
  app.on('error', (error: Error) => parts.logger.warn('Koa error', { error: error.message }));
  return app;
}
