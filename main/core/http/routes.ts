import Router from '@koa/router';
import type { ChatRequest } from '../api/chat-request.js';
import { findModel, listModels, modelEntry, modelListBody, resolveModel } from '../api/models.js';
import type { ResponseStore } from '../responses-store.js';
import type { Settings } from '../settings.js';
import type { RouteKit } from './apis/api-module.js';
import { API_MODULES } from './apis/apis.js';
import { handleChat, type ChatDeps } from './chat-handler.js';
import type { ProxyState } from './context.js';
import { jsonBody } from './json-body.js';
import { requireJson } from './security.js';

export interface RouterDeps extends Omit<ChatDeps, 'logBodies'> {
  settings: () => Settings;
  health: () => Promise<unknown>;
  responses: ResponseStore;
  /** The Prometheus exposition (usage/proxy-metrics.ts). */
  metrics: () => Promise<{ contentType: string; body: string }>;
}

/** Each API's own routes, then what they share: the model list and /health. */
export function createRouter(deps: RouterDeps): Router<ProxyState> {
  const router = new Router<ProxyState>();
  const chatDeps: ChatDeps = { ...deps, logBodies: () => deps.settings().logBodies };
  const kit: RouteKit = {
    settings: deps.settings,
    json: [requireJson(), jsonBody(() => deps.settings().maxBodyBytes)],
    chat: (api, parse) => (ctx) => kit.serve(ctx, api, parse(ctx.state.body)),
    serve: async (ctx, renderer, parsed) => {
      const request: ChatRequest = { ...parsed, cliModel: resolveModel(parsed.model, deps.settings().modelAliases) };
      await handleChat(ctx, chatDeps, renderer, request);
    },
    responses: deps.responses,
  };
  for (const api of API_MODULES) api.routes(router, kit);
  for (const prefix of ['/v1', '/openai/v1']) {
    router.get(`${prefix}/models`, (ctx) => {
      ctx.body = modelListBody(listModels(deps.settings().modelAliases));
    });
    router.get(`${prefix}/models/:id`, (ctx) => {
      ctx.body = modelEntry(findModel(ctx.params.id!, deps.settings().modelAliases));
    });
  }
  router.get('/health', async (ctx) => {
    ctx.body = await deps.health();
  });
  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await deps.metrics();
    ctx.type = contentType;
    ctx.body = body;
  });
  return router;
}
