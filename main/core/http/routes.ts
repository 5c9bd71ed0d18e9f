import Router from '@koa/router';
import { parseAnthropicRequest } from '../api/anthropic-request.js';
import type { ChatRequest } from '../api/chat-request.js';
import { findModel, listModels, modelEntry, modelListBody, resolveModel } from '../api/models.js';
import { parseOpenAIRequest } from '../api/openai-request.js';
import { estimateTokens } from '../api/token-estimate.js';
import { handleChat } from './chat-handler.js';
import type { AppDeps, ProxyContext, ProxyState } from './context.js';
import { healthBody } from './health.js';
import { jsonBody } from './json-body.js';
import { requireJson } from './security.js';

export function createRouter(deps: AppDeps): Router<ProxyState> {
  const router = new Router<ProxyState>();
  const parseJson = jsonBody(() => deps.settings().maxBodyBytes);

  const chat = (parse: (body: unknown) => Omit<ChatRequest, 'cliModel'>) => async (ctx: ProxyContext) => {
    const parsed = parse(ctx.state.body);
    const request: ChatRequest = { ...parsed, cliModel: resolveModel(parsed.model, deps.settings().modelAliases) };
    await handleChat(ctx, deps, request);
  };

  router.post('/v1/messages', requireJson(), parseJson, chat(parseAnthropicRequest));
  router.post('/v1/messages/count_tokens', requireJson(), parseJson, (ctx) => {
    const parsed = parseAnthropicRequest({ max_tokens: 1, ...(ctx.state.body as object) });
    resolveModel(parsed.model, deps.settings().modelAliases);
    ctx.set('X-Claude-Proxy-Estimate', 'true');
    ctx.body = { input_tokens: estimateTokens(parsed) };
  });
  for (const prefix of ['/v1', '/openai/v1']) {
    router.post(`${prefix}/chat/completions`, requireJson(), parseJson, chat(parseOpenAIRequest));
    router.get(`${prefix}/models`, (ctx) => {
      ctx.body = modelListBody(listModels(deps.settings().modelAliases));
    });
    router.get(`${prefix}/models/:id`, (ctx) => {
      ctx.body = modelEntry(findModel(ctx.params.id!, deps.settings().modelAliases));
    });
  }
  router.get('/health', async (ctx) => {
    ctx.body = await healthBody(deps);
  });
  return router;
}
