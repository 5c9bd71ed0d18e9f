import assert from 'node:assert/strict';
import { test } from 'node:test';
import { count, duration, statusOf, tokens, uptime } from './format.js';

test('durations read at a glance', () => {
  assert.equal(duration(null), '—');
  assert.equal(duration(850), '850 ms');
  assert.equal(duration(2_345), '2.35 s');
  assert.equal(duration(12_345), '12.3 s');
  assert.equal(duration(65_000), '1m 05s');
});

test('uptime keeps the two largest units', () => {
  assert.equal(uptime(5), '5s');
  assert.equal(uptime(192), '3m 12s');
  assert.equal(uptime(2 * 3600 + 5 * 60), '2h 05m');
  assert.equal(uptime(3 * 86_400 + 4 * 3600), '3d 4h');
});

test('token counts stay short', () => {
  assert.equal(count(1_234), '1,234');
  assert.equal(count(12_345), '12.3k');
  assert.equal(count(2_500_000), '2.5M');
  assert.equal(tokens({ inputTokens: 12, outputTokens: null }), '12 / —');
  assert.equal(tokens({ inputTokens: null, outputTokens: null }), '—');
});

test('status chips: live, then the HTTP status coloured by class', () => {
  assert.deepEqual(statusOf({ state: 'in_progress', status: null }), { text: 'live', tone: 'live' });
  assert.deepEqual(statusOf({ state: 'done', status: 200 }), { text: '200', tone: 'ok' });
  assert.deepEqual(statusOf({ state: 'failed', status: 401 }), { text: '401', tone: 'warn' });
  assert.deepEqual(statusOf({ state: 'failed', status: 502 }), { text: '502', tone: 'error' });
  assert.deepEqual(statusOf({ state: 'cancelled', status: 499 }), { text: 'cancelled', tone: 'muted' });
});
