import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicErrorBody, isProxyError, openaiErrorBody, ProxyError, toProxyError, type ErrorKind } from './errors.js';

describe('ProxyError', () => {
  it('carries the status of its kind', () => {
    const expected: Record<ErrorKind, number> = {
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
    for (const [kind, status] of Object.entries(expected)) {
      assert.equal(new ProxyError(kind as ErrorKind, 'x').status, status, kind);
    }
    assert.equal(new ProxyError('api_error', 'x', { status: 599 }).status, 599);
  });

  it('reports an Anthropic error type for every kind', () => {
    assert.equal(new ProxyError('unsupported_media_type', 'x').type, 'invalid_request_error');
    assert.equal(new ProxyError('cli_error', 'x').type, 'api_error');
    assert.equal(new ProxyError('service_unavailable', 'x').type, 'api_error');
    assert.equal(new ProxyError('overloaded_error', 'x').type, 'overloaded_error');
    assert.equal(new ProxyError('request_too_large', 'x').type, 'request_too_large');
  });

  it('defaults code to the kind and param to details.field', () => {
    const error = new ProxyError('invalid_request_error', 'x', { details: { field: 'messages.0.role', issue: 'bad' } });
    assert.equal(error.code, 'invalid_request_error');
    assert.equal(error.param, 'messages.0.role');
    assert.deepEqual(error.headers, {});
    assert.equal(error.name, 'ProxyError');
    assert.ok(error instanceof Error);
  });
});

describe('toProxyError / isProxyError', () => {
  it('passes ProxyErrors through and hides anything else behind a 500', () => {
    const known = new ProxyError('not_found_error', 'nope');
    assert.equal(toProxyError(known), known);
    const wrapped = toProxyError(new Error('ENOENT /home/user/secret'));
    assert.equal(wrapped.status, 500);
    assert.equal(wrapped.message, 'Internal proxy error');
    assert.equal(isProxyError(wrapped), true);
    assert.equal(isProxyError(new Error('x')), false);
    assert.equal(toProxyError('a string').status, 500);
  });
});

describe('error bodies', () => {
  const withDetails = new ProxyError('invalid_request_error', 'messages.0.role: bad role', {
    code: 'validation_error',
    details: { field: 'messages.0.role', issue: 'bad role' },
  });
  const bare = new ProxyError('rate_limit_error', 'slow down');

  it('Anthropic: {"type":"error","error":{"type","message","details"}}', () => {
    assert.deepEqual(anthropicErrorBody(withDetails), {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'messages.0.role: bad role',
        details: { field: 'messages.0.role', issue: 'bad role' },
      },
    });
    assert.deepEqual(anthropicErrorBody(bare), { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
  });

  it('OpenAI: {"error":{"message","type","code","param","details"}}', () => {
    assert.deepEqual(openaiErrorBody(withDetails), {
      error: {
        message: 'messages.0.role: bad role',
        type: 'invalid_request_error',
        code: 'validation_error',
        param: 'messages.0.role',
        details: { field: 'messages.0.role', issue: 'bad role' },
      },
    });
    assert.deepEqual(openaiErrorBody(bare), {
      error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_error', param: null },
    });
  });

  it('never includes the cause', () => {
    const error = new ProxyError('api_error', 'Internal proxy error', { cause: new Error('secret') });
    assert.doesNotMatch(JSON.stringify(anthropicErrorBody(error)), /secret/);
    assert.doesNotMatch(JSON.stringify(openaiErrorBody(error)), /secret/);
  });
});
