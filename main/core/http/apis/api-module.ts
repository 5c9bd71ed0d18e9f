import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { ApiDialect, ChatRequest } from '../../api/chat-request.js';
import type { TurnEvent } from '../../cli/turn-events.js';
import type { Settings } from '../../settings.js';
import type { CollectedTurn } from '../../translate/collect-turn.js';
import type { ProxyState } from '../context.js';

/**
 * What one API dialect brings: the paths it owns (which decide the error
 * shape and the request log's label), its routes, and how a turn is rendered
 * in its wire format. Adding an API is adding one of these.
 */
export interface ApiModule {
  label: ApiDialect;
  /** Whether a path (trailing slashes removed) belongs to this API, routed or not. */
  owns(path: string): boolean;
  routes(router: Router<ProxyState>, kit: RouteKit): void;
  /** A streamed answer: one renderer per response (it may keep state across events). */
  streamRenderer(request: ChatRequest, requestId: string): StreamRenderer;
  /** A whole answer. */
  message(turn: CollectedTurn, request: ChatRequest, requestId: string): unknown;
}

export interface StreamRenderer {
  /** The frames for one event, `error` included ('' when the API has nothing to say for it). */
  event(event: TurnEvent): string;
  /** The keep-alive frame. */
  ping: string;
}

/** What a module needs to declare its routes. */
export interface RouteKit {
  settings: () => Settings;
  /** Content-Type check and JSON body parsing, in that order. */
  json: Middleware<ProxyState>[];
  /** Serves a chat turn from a body parser. */
  chat(api: ApiModule, parse: (body: unknown) => Omit<ChatRequest, 'cliModel'>): Middleware<ProxyState>;
}
