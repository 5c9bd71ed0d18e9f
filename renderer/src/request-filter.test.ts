import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestRecord } from '../../shared/request-record.js';
import { isFiltering, matches, NO_FILTER } from './request-filter.js';

const record = (patch: Partial<RequestRecord>): RequestRecord => ({
  id: 'req_1',
  startedAt: 0,
  clientIp: '127.0.0.1',
  method: 'POST',
  path: '/v1/messages',
  api: 'anthropic',
  model: 'sonnet',
  stream: false,
  state: 'done',
  status: 200,
  ttftMs: null,
  durationMs: null,
  inputTokens: null,
  outputTokens: null,
  stopReason: null,
  error: null,
  ignored: [],
  tools: [],
  toolCalls: [],
  cliPid: null,
  userAgent: null,
  requestBody: null,
  responseText: null,
  ...patch,
});

test('no filter shows everything', () => {
  assert.equal(isFiltering(NO_FILTER), false);
  assert.equal(matches(record({}), NO_FILTER), true);
});

test('text matches any field, every word, case-insensitively', () => {
  const failed = record({
    state: 'failed',
    status: 401,
    error: { type: 'authentication_error', code: 'not_logged_in', message: 'The Claude CLI is not logged in' },
  });
  assert.equal(matches(failed, { ...NO_FILTER, text: 'LOGGED' }), true);
  assert.equal(matches(failed, { ...NO_FILTER, text: 'post 401' }), true);
  assert.equal(matches(failed, { ...NO_FILTER, text: 'get 401' }), false);
  assert.equal(matches(record({ path: '/v1/chat/completions' }), { ...NO_FILTER, text: 'chat' }), true);
});

test('status classes and states', () => {
  assert.equal(matches(record({ status: 429, state: 'failed' }), { ...NO_FILTER, status: '4xx' }), true);
  assert.equal(matches(record({ status: 502, state: 'failed' }), { ...NO_FILTER, status: '4xx' }), false);
  assert.equal(matches(record({ state: 'in_progress', status: null }), { ...NO_FILTER, status: '2xx' }), false);
  assert.equal(matches(record({ state: 'in_progress', status: null }), { ...NO_FILTER, status: 'in_progress' }), true);
});

test('model is an exact choice', () => {
  assert.equal(matches(record({ model: 'sonnet' }), { ...NO_FILTER, model: 'sonnet' }), true);
  assert.equal(matches(record({ model: 'claude-sonnet-4-5' }), { ...NO_FILTER, model: 'sonnet' }), false);
});
