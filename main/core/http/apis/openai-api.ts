import { parseOpenAIRequest } from '../../api/openai-request.js';
import { createOpenAIStreamState, openaiChunks, openaiCompletion } from '../../translate/to-openai.js';
import { COMMENT_PING } from '../sse.js';
import type { ApiModule, TurnRenderer } from './api-module.js';

/** OpenAI Chat Completions, under /v1 and /openai/v1 (everything under /openai/ is OpenAI's). */
export const openaiApi: ApiModule & TurnRenderer = {
  label: 'openai',
  owns: (path) => path.startsWith('/openai/') || path.endsWith('/chat/completions'),
  routes(router, kit) {
    for (const prefix of ['/v1', '/openai/v1']) {
      router.post(`${prefix}/chat/completions`, ...kit.json, kit.chat(openaiApi, parseOpenAIRequest));
    }
  },
  streamRenderer(request, requestId) {
    const state = createOpenAIStreamState(completionId(requestId), request.model, request.includeUsage);
    return {
      event: (event) => openaiChunks(state, event),
      ping: COMMENT_PING,
    };
  },
  message: (turn, request, requestId) => openaiCompletion(turn, completionId(requestId), request.model),
};

function completionId(requestId: string): string {
  return `chatcmpl-${requestId.slice(4)}`;
}
