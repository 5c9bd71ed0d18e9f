import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CliResult } from './cli-events.js';
import { statusIn } from '../errors.js';
import { DEFAULT_RETRY_AFTER_S, isMaxTokensFailure, LOGIN_HINT, mapCliFailure, PLAN_SETTINGS_URL, processExitError } from './cli-errors.js';

const NOW = 1_795_576_000_000;

/** A failed result as the CLI prints it; only the fields under test change. */
function failed(fields: Partial<CliResult> = {}): CliResult {
  return {
    type: 'result',
    subtype: 'success',
    is_error: true,
    result: 'Something the CLI said',
    stop_reason: 'stop_sequence',
    api_error_status: null,
    api_error_type: null,
    api_error: null,
    terminal_reason: 'api_error',
    ...fields,
  };
}

function map(fields: Partial<CliResult>, assistantError?: string, resetsAt?: number) {
  return mapCliFailure({ result: failed(fields), assistantError, resetsAt, now: NOW });
}

describe('mapCliFailure', () => {
  it('not logged in (assistant error authentication_failed) → 401 with a login hint', () => {
    const error = map({ result: 'Not logged in · Please run /login' }, 'authentication_failed');
    assert.equal(error.status, 401);
    assert.equal(error.type, 'authentication_error');
    assert.equal(error.code, 'not_logged_in');
    assert.ok(error.message.startsWith(LOGIN_HINT));
    assert.ok(error.message.includes('Not logged in · Please run /login'));
    assert.deepEqual(error.details, { upstream_status: null, cli_error: 'authentication_failed' });
  });

  it('an API 401 → 401', () => {
    assert.equal(map({ api_error_status: 401 }).status, 401);
  });

  it('an API 403 → 403 even though the CLI calls it authentication_failed', () => {
    const error = map({ api_error_status: 403, api_error_type: 'permission_error' }, 'authentication_failed');
    assert.equal(error.status, 403);
    assert.equal(error.type, 'permission_error');
  });

  it('unknown model → 404 model_not_found on the model field', () => {
    for (const error of [map({}, 'model_not_found'), map({ api_error_status: 404 })]) {
      assert.equal(error.status, 404);
      assert.equal(error.code, 'model_not_found');
      assert.equal(error.details?.field, 'model');
      assert.equal(error.param, 'model');
    }
  });

  it('invalid request / prompt too long → 400', () => {
    assert.equal(map({}, 'invalid_request').status, 400);
    assert.equal(map({ api_error_status: 400 }).status, 400);
    const tooLong = map({ terminal_reason: 'prompt_too_long' });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.type, 'invalid_request_error');
  });

  it('an API rate limit → 429 upstream_rate_limit with a short default Retry-After', () => {
    const error = map({ api_error_status: 429, api_error_type: 'rate_limit_error' }, 'rate_limit');
    assert.equal(error.status, 429);
    assert.equal(error.code, 'upstream_rate_limit');
    assert.deepEqual(error.headers, { 'Retry-After': String(DEFAULT_RETRY_AFTER_S) });
  });

  it("Retry-After is the CLI's own api_retry delay when it retried, in whole seconds", () => {
    const limited = mapCliFailure({
      result: failed({ api_error_status: 429 }),
      assistantError: 'rate_limit',
      resetsAt: undefined,
      retryDelayMs: 2001,
      now: NOW,
    });
    assert.equal(limited.headers['Retry-After'], '3');
    const overloaded = mapCliFailure({
      result: failed({ api_error_status: 529 }),
      assistantError: undefined,
      resetsAt: undefined,
      retryDelayMs: 40,
      now: NOW,
    });
    assert.equal(overloaded.headers['Retry-After'], '1');
  });

  it('the third-party and out-of-extra-usage refusals get their own codes and say where to act', () => {
    const thirdParty = map({
      api_error_status: 400,
      result: 'API Error: 400 Third-party apps now draw from your extra usage, not your plan limits.',
    });
    assert.equal(thirdParty.status, 400);
    assert.equal(thirdParty.code, 'extra_usage_required');
    assert.equal(thirdParty.details?.settings_url, PLAN_SETTINGS_URL);
    assert.match(thirdParty.message, /Third-party apps now draw/);
    const spent = map({ api_error_status: 429, result: "You're out of extra usage · resets 5pm" }, 'rate_limit');
    assert.equal(spent.status, 429);
    assert.equal(spent.type, 'rate_limit_error');
    assert.equal(spent.code, 'extra_usage_exhausted');
  });

  it('the subscription limit → 429 usage_limit_reached with Retry-After from resetsAt', () => {
    const resetsAt = NOW / 1000 + 3600;
    const error = map({ api_error_status: 429, api_error: 'usage_limit_reached' }, 'rate_limit', resetsAt);
    assert.equal(error.status, 429);
    assert.equal(error.type, 'rate_limit_error');
    assert.equal(error.code, 'usage_limit_reached');
    assert.deepEqual(error.headers, { 'Retry-After': '3600' });
    assert.equal(error.details?.resets_at, resetsAt);
  });

  it('a plain 429 after a rejected rate_limit_event stays an API rate limit, timed by resetsAt', () => {
    // Under OAuth every API 429 comes with a rejected rate_limit_event; only `api_error` means the subscription limit.
    const error = map({ api_error_status: 429 }, 'rate_limit', NOW / 1000 + 10.2);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'upstream_rate_limit');
    assert.equal(error.headers['Retry-After'], '11');
  });

  it('the subscription limit without resetsAt → 429 and no Retry-After', () => {
    const error = map({ api_error: 'usage_limit_reached' });
    assert.equal(error.status, 429);
    assert.equal(error.code, 'usage_limit_reached');
    assert.deepEqual(error.headers, {});
    assert.equal(error.details?.resets_at, null);
  });

  it('overloaded → 529 overloaded_error (Anthropic), 503 for the OpenAI endpoints, with Retry-After', () => {
    for (const error of [map({ api_error_status: 529 }, 'server_error'), map({ api_error_type: 'overloaded_error' })]) {
      assert.equal(error.status, 529);
      assert.equal(statusIn(error, 'anthropic'), 529);
      assert.equal(statusIn(error, 'openai'), 503);
      assert.equal(error.type, 'overloaded_error');
      assert.equal(error.code, 'upstream_overloaded');
      assert.equal(error.headers['Retry-After'], String(DEFAULT_RETRY_AFTER_S));
    }
  });

  it('other upstream errors → 502; failures without a status → 502 cli_failed', () => {
    const upstream = map({ api_error_status: 500, api_error_type: 'api_error' }, 'server_error');
    assert.equal(upstream.status, 502);
    assert.equal(upstream.type, 'api_error');
    assert.equal(upstream.code, 'upstream_error');
    assert.deepEqual(upstream.details, { upstream_status: 500, cli_error: 'server_error' });

    const bare = map({ subtype: 'error_during_execution', is_error: false, result: undefined });
    assert.equal(bare.status, 502);
    assert.equal(bare.code, 'cli_failed');
    assert.equal(bare.message, 'Claude CLI turn failed (error_during_execution)');
  });

  it('maps on fields, not on wording', () => {
    const misleading = map({ result: 'Not logged in · Please run /login', api_error_status: 529 });
    assert.equal(misleading.status, 529);
    const reworded = map({ result: 'Anmeldung erforderlich' }, 'authentication_failed');
    assert.equal(reworded.status, 401);
    assert.equal(reworded.code, 'not_logged_in');
  });

  it('takes the message from `errors` when there is no `result` text', () => {
    assert.equal(map({ result: undefined, api_error_status: 500, errors: ['boom'] }).message, 'boom');
    assert.equal(map({ result: undefined, api_error_status: 500, errors: [{ message: 'bang' }] }).message, 'bang');
  });
});

describe('isMaxTokensFailure', () => {
  it('recognises the output cap from either field', () => {
    assert.equal(isMaxTokensFailure(failed(), 'max_output_tokens'), true);
    assert.equal(isMaxTokensFailure(failed({ api_error: 'max_output_tokens' }), undefined), true);
    assert.equal(isMaxTokensFailure(failed({ api_error_status: 500 }), 'server_error'), false);
  });
});

describe('processExitError', () => {
  it('describes an exit code and the last stderr lines', () => {
    const error = processExitError(1, null, 'line 1\nline 2\nline 3\nline 4\n');
    assert.equal(error.status, 502);
    assert.equal(error.type, 'api_error');
    assert.equal(error.code, 'cli_crashed');
    assert.equal(error.message, 'Claude CLI exited with code 1 before finishing the answer: line 2 | line 3 | line 4');
    assert.deepEqual(error.details, { exit_code: 1, signal: null });
  });

  it('describes a signal, and says nothing more when stderr is empty', () => {
    const error = processExitError(null, 'SIGKILL', '  \n');
    assert.equal(error.message, 'Claude CLI was killed by SIGKILL before finishing the answer');
    assert.deepEqual(error.details, { exit_code: null, signal: 'SIGKILL' });
  });
});
