import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { ApiDialect, ChatRequest } from '../../api/chat-request.js';
import type { TurnEvent } from '../../cli/turn-events.js';
import type { ResponseStore } from '../../responses-store.js';
import type { Settings } from '../../settings.js';
import type { CollectedTurn } from '../../translate/collect-turn.js';
import type { ProxyContext, ProxyState } from '../context.js';

/**
 * What one API dialect brings: the paths it owns (which decide the error
 * shape and the request log's label) and its routes, which render turns with
 * a TurnRenderer. Adding an API is adding one of these.
 */
export interface ApiModule {
  label: ApiDialect;
  /** Whether a path (trailing slashes removed) belongs to this API, routed or not. */
  owns(path: string): boolean;
  routes(router: Router<ProxyState>, kit: RouteKit): void;
}

/** How an answer is rendered in an API's wire format: an API's own, or one made for a single request. */
export interface TurnRenderer {
  /** A streamed answer: one renderer per response (it may keep state across events). */
  streamRenderer(request: ChatRequest, requestId: string): StreamRenderer;
  /** A whole answer (or a promise of it, when it must be kept somewhere first). */
  message(turn: CollectedTurn, request: ChatRequest, requestId: string): unknown;
}

export interface StreamRenderer {
  /**
   * The frames for one event, `error` included ('' when the API has nothing to say for it);
   * a promise when the frames must wait (a stored response is written before its last event).
   */
  event(event: TurnEvent): string | Promise<string>;
  /** The keep-alive frame. */
  ping: string;
}

/** What a module needs to declare its routes. */
export interface RouteKit {
  settings: () => Settings;
  /** Content-Type check and JSON body parsing, in that order. */
  json: Middleware<ProxyState>[];
  /** Serves a chat turn from a body parser. */
  chat(renderer: TurnRenderer, parse: (body: unknown) => Omit<ChatRequest, 'cliModel'>): Middleware<ProxyState>;
  /** Serves a chat turn already parsed, rendered by `renderer`. */
  serve(ctx: ProxyContext, renderer: TurnRenderer, parsed: Omit<ChatRequest, 'cliModel'>): Promise<void>;
  /** Stored responses of the Responses API. */
  responses: ResponseStore;
}
