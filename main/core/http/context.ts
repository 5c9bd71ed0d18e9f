import type { ParameterizedContext } from 'koa';
import type { ApiDialect } from '../api/chat-request.js';
import type { BridgeService } from '../bridge/bridge-service.js';
import type { CliManager } from '../cli/cli-manager.js';
import type { Logger } from '../logger.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { RequestLog } from '../request-log.js';
import type { Settings } from '../settings.js';

export interface AppDeps {
  settings: () => Settings;
  cli: CliManager;
  limiter: RateLimiter;
  requestLog: RequestLog;
  logger: Logger;
  version: string;
  startedAt: number;
  /** Cancels an in-flight chat request by its id (from the window). */
  inflight: Map<string, () => void>;
  now?: () => number;
  /** The window contract, served at /dashboard/api when a host attached one (404 otherwise). */
  bridge?: () => BridgeService | undefined;
  /** The dashboard's per-install secret once read (undefined: the dashboard API lets nobody in). */
  dashboardSecret?: () => string | undefined;
}

export interface ProxyState {
  requestId: string;
  /** Which API's error shape this request gets. */
  dialect: ApiDialect;
  /** The request log entry, for API requests. */
  recordId?: string;
  body?: unknown;
}

export type ProxyContext = ParameterizedContext<ProxyState>;

/**
 * The Anthropic SDK always sends `anthropic-version`; the OpenAI routes are
 * recognisable by path. Shared paths (/v1/models, unknown routes) follow the header.
 */
export function dialectFor(rawPath: string, headers: Record<string, string | string[] | undefined>): ApiDialect {
  // The router matches with or without a trailing slash; so must this.
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  if (path.startsWith('/openai/') || path.endsWith('/chat/completions')) return 'openai';
  if (path.startsWith('/v1/messages')) return 'anthropic';
  return headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined ? 'anthropic' : 'openai';
}
