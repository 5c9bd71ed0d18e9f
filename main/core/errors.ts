/**
 * One error type for every failure the proxy reports. Each carries what both
 * API dialects need (HTTP status, Anthropic error `type`, OpenAI `code`) plus
 * the API reference's `details` ({ field, issue }), so a single error path can
 * render either shape.
 */

export type ErrorKind =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'unsupported_media_type'
  | 'rate_limit_error'
  | 'api_error'
  | 'cli_error'
  | 'overloaded_error'
  | 'service_unavailable'
  | 'timeout_error';

const STATUS: Record<ErrorKind, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  unsupported_media_type: 415,
  rate_limit_error: 429,
  api_error: 500,
  cli_error: 502,
  overloaded_error: 503,
  service_unavailable: 503,
  timeout_error: 504,
};

export interface ErrorDetails {
  field?: string;
  issue?: string;
  [key: string]: unknown;
}

export interface ProxyErrorInit {
  details?: ErrorDetails;
  /** A stable machine-readable code (OpenAI's `code`), e.g. `validation_error`, `model_not_found`. */
  code?: string;
  /** OpenAI's `param`: the request field at fault, when there is one. */
  param?: string;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  status?: number;
  cause?: unknown;
}

export class ProxyError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly details: ErrorDetails | undefined;
  readonly code: string;
  readonly param: string | undefined;
  readonly headers: Record<string, string>;

  constructor(kind: ErrorKind, message: string, init: ProxyErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ProxyError';
    this.kind = kind;
    this.status = init.status ?? STATUS[kind];
    this.code = init.code ?? kind;
    this.details = init.details;
    this.param = init.param ?? init.details?.field;
    this.headers = init.headers ?? {};
  }

  /**
   * The error `type` both shapes carry. It is Anthropic's documented set, which
   * OpenAI clients show as-is (their SDKs dispatch on the HTTP status).
   */
  get type(): string {
    switch (this.kind) {
      case 'unsupported_media_type':
        return 'invalid_request_error';
      case 'cli_error':
      case 'service_unavailable':
        return 'api_error';
      default:
        return this.kind;
    }
  }
}

/**
 * The status a client of `api` gets. Anthropic answers an overloaded upstream
 * with 529, a status only its own clients know; everyone else gets 503.
 */
export function statusIn(error: ProxyError, api: 'anthropic' | 'openai' | 'responses' | 'other'): number {
  return error.status === 529 && api !== 'anthropic' ? 503 : error.status;
}

export function isProxyError(value: unknown): value is ProxyError {
  return value instanceof ProxyError;
}

/** Anything thrown that is not already a ProxyError becomes a 500 without leaking internals. */
export function toProxyError(value: unknown): ProxyError {
  if (isProxyError(value)) return value;
  return new ProxyError('api_error', 'Internal proxy error', { cause: value });
}

export function anthropicErrorBody(error: ProxyError) {
  return {
    type: 'error' as const,
    error: {
      type: error.type,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

export function openaiErrorBody(error: ProxyError) {
  return {
    error: {
      message: error.message,
      type: error.type,
      code: error.code,
      param: error.param ?? null,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}
