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
  now: number;
}

export const LOGIN_HINT = 'The Claude CLI is not logged in: run `claude` in a terminal and log in, then retry.';

function cliMessage(result: CliResult): string {
  if (result.result) return result.result;
  const first = result.errors?.[0];
  if (typeof first === 'string') return first;
  if (first && typeof first === 'object' && 'message' in first) return String(first.message);
  return `Claude CLI turn failed (${result.subtype})`;
}

export function mapCliFailure({ result, assistantError, resetsAt, now }: CliFailure): ProxyError {
  const status = result.api_error_status ?? undefined;
  const message = cliMessage(result);
  const upstream = { upstream_status: status ?? null, cli_error: assistantError ?? result.api_error ?? null };

  // Under OAuth a plain API 429 also comes with a rejected rate_limit_event, so only `api_error` says "usage limit".
  const retryAfter = resetsAt === undefined ? undefined : Math.max(1, Math.ceil(resetsAt - now / 1000));
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
      headers: { 'Retry-After': String(retryAfter ?? 30) },
    });
  }
  if (assistantError === 'model_not_found' || status === 404) {
    return new ProxyError('not_found_error', message, { code: 'model_not_found', details: { field: 'model', ...upstream } });
  }
  if (assistantError === 'invalid_request' || status === 400 || result.terminal_reason === 'prompt_too_long') {
    return new ProxyError('invalid_request_error', message, { code: 'upstream_invalid_request', details: upstream });
  }
  if (status === 529 || result.api_error_type === 'overloaded_error') {
    return new ProxyError('overloaded_error', message, {
      code: 'upstream_overloaded',
      details: upstream,
      headers: { 'Retry-After': '10' },
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
