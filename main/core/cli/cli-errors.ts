import type { CliResult } from './cli-events.js';
import { ProxyError } from '../errors.js';

/**
 * Maps a failed CLI turn to an HTTP error. It reads the CLI's structured fields
 * (`error` on the synthetic assistant line, `api_error_status`, `api_error`,
 * `terminal_reason`); the wording changes between CLI versions, so it is only
 * ever passed through as the message.
 */

export interface CliFailure {
  result: CliResult;
  /** The `error` field of the synthetic assistant line that preceded the result. */
  assistantError: string | undefined;
  /** `resetsAt` (epoch seconds) from a rejected `rate_limit_event`, if one came. */
  resetsAt: number | undefined;
  /** The CLI's last `api_retry` delay, if it retried. */
  retryDelayMs?: number | undefined;
  now: number;
}

/** Retry-After when the CLI gave no delay of its own: upstream throttles and overloads are usually brief. */
export const DEFAULT_RETRY_AFTER_S = 5;

/** Where a subscriber turns on or tops up extra usage: nothing the proxy or the client can do about these. */
export const PLAN_SETTINGS_URL = 'https://claude.ai/settings/usage';

/**
 * Refusals that are the plan's decision about third-party use, recognised by
 * the API's own words (no field marks them): "Third-party apps now draw from
 * your extra usage, not your plan limits", and "You're out of extra usage".
 */
const PLAN_REFUSALS: { code: string; test: RegExp; issue: string }[] = [
  {
    code: 'extra_usage_required',
    test: /third-party apps now draw from your extra usage/i,
    issue: 'Your Claude plan bills third-party apps (such as this proxy) to extra usage, which is off or not set up',
  },
  {
    code: 'extra_usage_exhausted',
    test: /out of extra usage/i,
    issue: 'Your Claude extra usage is spent',
  },
];

export const LOGIN_HINT = 'The Claude CLI is not logged in: run `claude` in a terminal and log in, then retry.';

function cliMessage(result: CliResult): string {
  if (result.result) return result.result;
  const first = result.errors?.[0];
  if (typeof first === 'string') return first;
  if (first && typeof first === 'object' && 'message' in first) return String(first.message);
  return `Claude CLI turn failed (${result.subtype})`;
}

export function mapCliFailure({ result, assistantError, resetsAt, retryDelayMs, now }: CliFailure): ProxyError {
  const status = result.api_error_status ?? undefined;
  const message = cliMessage(result);
  const upstream = { upstream_status: status ?? null, cli_error: assistantError ?? result.api_error ?? null };

  // Under OAuth a plain API 429 also comes with a rejected rate_limit_event, so only `api_error` says "usage limit".
  const retryAfter = resetsAt === undefined ? undefined : Math.max(1, Math.ceil(resetsAt - now / 1000));
  const retryDelay = retryDelayMs === undefined ? undefined : Math.max(1, Math.ceil(retryDelayMs / 1000));
  const refusal = PLAN_REFUSALS.find((candidate) => candidate.test.test(message));
  if (refusal) {
    // Passed on as the API said it, with its status: neither avoided nor dressed up as something else.
    return new ProxyError(status === 429 ? 'rate_limit_error' : status === 403 ? 'permission_error' : 'invalid_request_error', message, {
      code: refusal.code,
      status: status ?? 400,
      details: {
        issue: refusal.issue,
        action: `Turn on or top up extra usage in your Claude usage settings (${PLAN_SETTINGS_URL}), or wait for your plan to change`,
        settings_url: PLAN_SETTINGS_URL,
        ...upstream,
      },
    });
  }
  if (result.api_error === 'usage_limit_reached') {
    return new ProxyError('rate_limit_error', `Claude subscription usage limit reached: ${message}`, {
      code: 'usage_limit_reached',
      details: { issue: 'subscription usage limit', resets_at: resetsAt ?? null, ...upstream },
      headers: retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
    });
  }
  if (status === 403) return new ProxyError('permission_error', message, { details: upstream });
  if (assistantError === 'authentication_failed' || status === 401) {
    return new ProxyError('authentication_error', `${LOGIN_HINT} (CLI said: ${message})`, {
      code: 'not_logged_in',
      details: upstream,
    });
  }
  if (assistantError === 'rate_limit' || status === 429) {
    return new ProxyError('rate_limit_error', message, {
      code: 'upstream_rate_limit',
      details: upstream,
      headers: { 'Retry-After': String(retryAfter ?? retryDelay ?? DEFAULT_RETRY_AFTER_S) },
    });
  }
  if (assistantError === 'model_not_found' || status === 404) {
    return new ProxyError('not_found_error', message, { code: 'model_not_found', details: { field: 'model', ...upstream } });
  }
  if (assistantError === 'invalid_request' || status === 400 || result.terminal_reason === 'prompt_too_long') {
    return new ProxyError('invalid_request_error', message, { code: 'upstream_invalid_request', details: upstream });
  }
  if (status === 529 || result.api_error_type === 'overloaded_error') {
    // 529 is Anthropic's own status for it; the OpenAI endpoints answer 503 (errors.ts, statusIn).
    return new ProxyError('overloaded_error', message, {
      code: 'upstream_overloaded',
      status: 529,
      details: upstream,
      headers: { 'Retry-After': String(retryDelay ?? DEFAULT_RETRY_AFTER_S) },
    });
  }
  return new ProxyError('cli_error', message, { code: status ? 'upstream_error' : 'cli_failed', details: upstream });
}

/** True for a failed turn that really means "the output cap was hit": reported as a normal max_tokens stop. */
export function isMaxTokensFailure(result: CliResult, assistantError: string | undefined): boolean {
  return assistantError === 'max_output_tokens' || result.api_error === 'max_output_tokens';
}

export function processExitError(code: number | null, signal: string | null, stderrTail: string): ProxyError {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const said = stderrTail.trim() ? `: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}` : '';
  return new ProxyError('cli_error', `Claude CLI ${how} before finishing the answer${said}`, {
    code: 'cli_crashed',
    details: { exit_code: code, signal },
  });
}
