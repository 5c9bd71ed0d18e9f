import type { ParameterizedContext } from 'koa';
import type { ApiDialect } from '../api/chat-request.js';
import type { RequestRecorder } from './request-recorder.js';

export interface ProxyState {
  requestId: string;
  /** Which API's error shape this request gets. */
  dialect: ApiDialect;
  /** The API whose path this is, if any (its label goes into the request log). */
  api: ApiDialect | undefined;
  /** The request log entry, for API requests. */
  recorder?: RequestRecorder;
  body?: unknown;
}

export type ProxyContext = ParameterizedContext<ProxyState>;
