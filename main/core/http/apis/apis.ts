import type { ApiDialect } from '../../api/chat-request.js';
import { anthropicApi } from './anthropic-api.js';
import type { ApiModule } from './api-module.js';
import { openaiApi } from './openai-api.js';
import { responsesApi } from './responses-api.js';

/**
 * Every API the proxy serves. Routes, error shapes and log labels all come
 * from here. The first owner wins (`/v1/messages/…/chat/completions` is OpenAI's,
 * `/openai/v1/responses` the Responses API's).
 */
export const API_MODULES: readonly ApiModule[] = [responsesApi, openaiApi, anthropicApi];

/** The API a path belongs to, if any. The router matches with or without a trailing slash; so does this. */
export function apiOwning(rawPath: string): ApiModule | undefined {
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  return API_MODULES.find((api) => api.owns(path));
}

/**
 * Which API's error shape a request gets: its path's owner; on shared paths
 * (/v1/models, unknown routes) the headers decide, as the Anthropic SDK always
 * sends `anthropic-version`.
 */
export function dialectFor(path: string, headers: Record<string, string | string[] | undefined>): ApiDialect {
  const owner = apiOwning(path);
  if (owner) return owner.label;
  return headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined ? 'anthropic' : 'openai';
}
