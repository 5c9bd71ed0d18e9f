import type Router from '@koa/router';
import type { ChatMessage, CliBlock } from '../../api/chat-request.js';
import { MAX_MESSAGES } from '../../api/content.js';
import { inputTurns } from '../../api/responses-input.js';
import { parseResponsesRequest, type ResponsesOptions } from '../../api/responses-request.js';
import { ProxyError } from '../../errors.js';
import type { ResponseStore } from '../../responses-store.js';
import { toolInput, type CollectedTurn } from '../../translate/collect-turn.js';
import { ResponsesStream } from '../../translate/to-responses-stream.js';
import { responseFromTurn, type ResponseContext } from '../../translate/to-responses.js';
import type { ProxyContext, ProxyState } from '../context.js';
import { COMMENT_PING } from '../sse.js';
import type { ApiModule, RouteKit, TurnRenderer } from './api-module.js';

/**
 * OpenAI's Responses API, under /v1 and /openai/v1: `POST /responses` serves
 * a turn; stored responses are read, listed and deleted by id. A
 * `previous_response_id` puts the stored conversation before the new input,
 * as the real earlier turns.
 */

const PATH = /^(\/openai)?\/v1\/responses(\/|$)/;

export const responsesApi: ApiModule = {
  label: 'responses',
  owns: (path) => PATH.test(path),
  routes(router, kit) {
    for (const prefix of ['/v1', '/openai/v1']) routesUnder(router, kit, `${prefix}/responses`);
  },
};

function routesUnder(router: Router<ProxyState>, kit: RouteKit, base: string): void {
  router.post(base, ...kit.json, (ctx) => create(ctx, kit));
  router.get(`${base}/:id`, async (ctx) => {
    ctx.body = (await stored(kit.responses, ctx.params.id!)).response;
  });
  router.delete(`${base}/:id`, async (ctx) => {
    const id = ctx.params.id!;
    if (!(await kit.responses.delete(id))) throw notFound(id, 'response_id');
    ctx.body = { id, object: 'response', deleted: true };
  });
  router.get(`${base}/:id/input_items`, async (ctx) => {
    const items = (await stored(kit.responses, ctx.params.id!)).inputItems;
    ctx.body = listPage(items, ctx.query);
  });
}

/** A response has its own state (id, echoed settings, the store), so each request makes its renderer. */
async function create(ctx: ProxyContext, kit: RouteKit): Promise<void> {
  const { request, options } = parseResponsesRequest(ctx.state.body);
  const previous = options.previousResponseId;
  const earlier = previous ? await earlierTurns(kit.responses, previous, kit.settings().maxBodyBytes) : { system: [], messages: [] };
  const instructions = typeof options.echo.instructions === 'string' ? [options.echo.instructions] : [];
  const system = [...instructions, ...earlier.system, ...options.inputSystem];
  const messages = appendTurns(earlier.messages, request.messages);
  if (previous && messages.length > MAX_MESSAGES) {
    throw tooLong(previous, `holds ${messages.length} messages with this input, over the ${MAX_MESSAGES} a request may hold`);
  }
  const context: ResponseContext = {
    id: `resp_${ctx.state.requestId.slice('req_'.length)}`,
    createdAt: Math.floor(Date.now() / 1000),
    model: request.model,
    echo: options.echo,
    encryptedReasoning: options.encryptedReasoning,
    reasoningSummary: options.reasoningSummary,
  };
  const renderer = turnRenderer(context, options.store ? save(kit.responses, context, options) : undefined);
  await kit.serve(ctx, renderer, { ...request, system: system.length > 0 ? system.join('\n\n') : undefined, messages });
}

/** Keeps a finished response; it resolves once written, so the client hears "completed" only after that. */
type Save = (response: Record<string, unknown>, turn: CollectedTurn) => Promise<void>;

function turnRenderer(context: ResponseContext, onDone: Save | undefined): TurnRenderer {
  return {
    streamRenderer: () => {
      const stream = new ResponsesStream(context);
      return {
        event: (event) => {
          const frames = stream.event(event);
          if (event.type !== 'end' || !onDone || !stream.final || !stream.turn) return frames;
          return onDone(stream.final, stream.turn).then(() => frames);
        },
        ping: COMMENT_PING,
      };
    },
    message: async (turn) => {
      const response = responseFromTurn(context, turn);
      await onDone?.(response, turn);
      return response;
    },
  };
}

function save(store: ResponseStore, context: ResponseContext, options: ResponsesOptions): Save {
  return (response, turn) =>
    store.put({
      id: context.id,
      createdAt: Date.now(),
      previousResponseId: options.previousResponseId ?? null,
      inputItems: options.inputItems,
      output: assistantBlocks(turn),
      response,
    });
}

/** The answer as the assistant turn the model gave, for replaying it later. */
function assistantBlocks(turn: CollectedTurn): CliBlock[] {
  const blocks: CliBlock[] = [];
  for (const block of turn.blocks) {
    if (block.kind === 'text' && block.text !== '') blocks.push({ type: 'text', text: block.text });
    else if (block.kind === 'thinking' && block.signature !== '')
      blocks.push({ type: 'thinking', thinking: block.text, signature: block.signature });
    else if (block.kind === 'tool_use') blocks.push({ type: 'tool_use', id: block.id, name: block.name, input: toolInput(block.json) });
  }
  return blocks;
}

/**
 * The conversation a stored response ended: each response's input turns, then
 * its answer. Bounded as a request body is: the stored responses together may
 * hold at most `maxBytes` (the `maxBodyBytes` setting), as a client sending
 * the conversation itself could.
 */
async function earlierTurns(store: ResponseStore, id: string, maxBytes: number): Promise<{ system: string[]; messages: ChatMessage[] }> {
  const chain = await store.chain(id, maxBytes);
  if ('tooLarge' in chain) throw tooLong(id, `is stored in over ${chain.limit} bytes (the maxBodyBytes setting)`);
  if ('missing' in chain) {
    if (chain.missing === id) throw notFound(id, 'previous_response_id', 'Previous response');
    throw new ProxyError(
      'not_found_error',
      `Previous response with id '${id}' continues '${chain.missing}', which is no longer stored, so the conversation cannot be rebuilt.`,
      { code: 'previous_response_not_found', param: 'previous_response_id' },
    );
  }
  const system: string[] = [];
  const messages: ChatMessage[] = [];
  for (const response of chain.responses) {
    pushTurns(messages, inputTurns(response.inputItems, system));
    if (response.output.length > 0) pushTurns(messages, [{ role: 'assistant', content: response.output }]);
  }
  return { system, messages };
}

/** Joins two runs of turns; where they meet, two turns of one role become one, as the Messages API wants. */
function appendTurns(before: ChatMessage[], after: ChatMessage[]): ChatMessage[] {
  return pushTurns([...before], after);
}

/** appendTurns into `out` itself: a long chain is joined in one pass, not copied at every link. */
function pushTurns(out: ChatMessage[], after: ChatMessage[]): ChatMessage[] {
  for (const message of after) {
    const last = out.at(-1);
    if (last?.role === message.role)
      out[out.length - 1] = { role: last.role, content: [...blocksOf(last.content), ...blocksOf(message.content)] };
    else out.push(message);
  }
  return out;
}

function blocksOf(content: string | CliBlock[]): CliBlock[] {
  return typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : content;
}

async function stored(store: ResponseStore, id: string) {
  const found = await store.get(id);
  if (!found) throw notFound(id, 'response_id');
  return found;
}

function tooLong(id: string, why: string): ProxyError {
  return new ProxyError(
    'invalid_request_error',
    `The conversation up to previous response '${id}' ${why}. Start a new conversation, or send the turns that matter as input.`,
    { code: 'previous_response_too_large', param: 'previous_response_id' },
  );
}

function notFound(id: string, param: string, what = 'Response'): ProxyError {
  // Ids are validated before any lookup; an id of another form is only quoted, capped.
  return new ProxyError('not_found_error', `${what} with id '${id.slice(0, 120)}' not found.`, {
    code: param === 'previous_response_id' ? 'previous_response_not_found' : 'response_not_found',
    param,
  });
}

/** OpenAI's list page: newest first unless `order=asc`, `limit` 1–100 (default 20), `after` an item id. */
function listPage(items: Record<string, unknown>[], query: Record<string, string | string[] | undefined>) {
  const ordered = query.order === 'asc' ? items : [...items].reverse();
  let after = 0;
  if (typeof query.after === 'string') {
    after = ordered.findIndex((item) => item.id === query.after) + 1;
    // An unknown cursor is an error, never the first page again: a client paging on would loop.
    if (after === 0) {
      throw new ProxyError('not_found_error', `No input item with id '${query.after.slice(0, 120)}' in this list (after).`, {
        code: 'item_not_found',
        param: 'after',
      });
    }
  }
  const limit = Math.min(100, Math.max(1, Number.parseInt(String(query.limit ?? '20'), 10) || 20));
  const data = ordered.slice(after, after + limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: after + limit < ordered.length,
  };
}
