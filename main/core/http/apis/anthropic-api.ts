import { parseAnthropicRequest } from '../../api/anthropic-request.js';
import { resolveModel } from '../../api/models.js';
import { estimateTokens } from '../../api/token-estimate.js';
import { anthropicEvent, anthropicMessage, anthropicPing } from '../../translate/to-anthropic.js';
import type { ApiModule, TurnRenderer } from './api-module.js';

/** The Anthropic Messages API: everything under /v1/messages. */
export const anthropicApi: ApiModule & TurnRenderer = {
  label: 'anthropic',
  owns: (path) => path.startsWith('/v1/messages'),
  routes(router, kit) {
    router.post('/v1/messages', ...kit.json, kit.chat(anthropicApi, parseAnthropicRequest));
    router.post('/v1/messages/count_tokens', ...kit.json, (ctx) => {
      const parsed = parseAnthropicRequest({ max_tokens: 1, ...(ctx.state.body as object) });
      resolveModel(parsed.model, kit.settings().modelAliases);
      ctx.set('X-Claude-Proxy-Estimate', 'true');
      ctx.body = { input_tokens: estimateTokens(parsed) };
    });
  },
  streamRenderer: (request) => ({
    event: (event) => anthropicEvent(event, request.model),
    ping: anthropicPing(),
  }),
  message: (turn, request) => anthropicMessage(turn, request.model),
};
