import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { assertJsonShape } from '../core/http/json-body.js';
import { startFloodTarget, type ServeChild } from './helpers/serve-child.js';
import { postJson } from './helpers/test-proxy.js';

/**
 * A few MB of many small values used to take the proxy down: 32 MB of
 * `[{},{},…]` cost 714 MB in JSON.parse, 1M empty
 * messages (2.9 MB) cost 1.3 GB of heap in validation, and about 10 MB of
 * them was enough to kill the process with Node's default heap. The headless
 * proxy in its own process gets such bodies; it must refuse them before
 * parsing, stay alive and keep its resident memory (from /proc) in bounds.
 */

const MB = 1024 * 1024;
/** Each refused body is held as bytes only (at most 30 MB, twice in flight); parsed, they reached gigabytes. */
const HEADROOM = 250 * MB;

const values = (text: string) => () => assertJsonShape(Buffer.from(text));

describe('issue 9: bodies of many small values', () => {
  let proxy: ServeChild;
  let baseline: number;

  before(async () => {
    ({ proxy, baseline } = await startFloodTarget());
  });
  after(() => proxy.close());

  test('1M empty messages, 10 MB of small messages and 30 MB of objects in an ignored field are refused naming the cap; the proxy lives on', async () => {
    const empty = `{"model":"sonnet","max_tokens":10,"messages":[${'{},'.repeat(999_999)}{}]}`;
    const small = `{"model":"sonnet","max_tokens":10,"messages":[${'{"role":"user","content":"x"},'.repeat(340_000)}{"role":"user","content":"x"}]}`;
    // In a field the proxy ignores, no schema caps the array: only the pre-scan keeps JSON.parse from building it (about 700 MB).
    const ignored = `{"model":"sonnet","max_tokens":10,"messages":[{"role":"user","content":"x"}],"extra":[${'{},'.repeat(10_000_000)}{}]}`;
    assert.ok(empty.length > 2.8 * MB && small.length > 9.5 * MB && ignored.length > 28 * MB);
    let peak = 0;
    for (const [path, body] of [
      ['/v1/messages', empty],
      ['/v1/messages', small],
      ['/v1/chat/completions', small],
      ['/v1/chat/completions', ignored],
    ] as const) {
      const response = await postJson(`${proxy.url}${path}`, body);
      assert.equal(response.status, 400);
      const error = ((await response.json()) as { error: { type: string; message: string } }).error;
      assert.equal(error.type, 'invalid_request_error');
      assert.match(error.message, /more than 100000 JSON values/);
      peak = Math.max(peak, proxy.rss());
    }
    assert.ok(existsSync(`/proc/${proxy.pid}/status`), 'the proxy is still running');
    assert.equal((await fetch(`${proxy.url}/health`)).status, 200);
    assert.ok(peak < baseline + HEADROOM, `RSS peaked at ${Math.round(peak / MB)} MB (${Math.round(baseline / MB)} MB at start)`);
  });

  test('under the value cap, the schemas still cap their arrays', async () => {
    const many = `{"model":"sonnet","max_tokens":10,"messages":[${'{"role":"user","content":"x"},'.repeat(10_000)}{"role":"user","content":"x"}]}`;
    const response = await postJson(`${proxy.url}/v1/messages`, many);
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /^Invalid request: messages: .*10000/);
  });
});

describe('the value pre-scan', () => {
  test('counts objects, arrays and array elements, not text inside strings nor object members', () => {
    assert.throws(values(`[${'1,'.repeat(100_000)}1]`), /more than 100000 JSON values/);
    assert.throws(values(`{"a":[${'{},'.repeat(99_999)}{}]}`), /more than 100000 JSON values/);
    assert.doesNotThrow(values(`[${'{},'.repeat(49_998)}{}]`));
    assert.doesNotThrow(values(`["${',[{'.repeat(200_000)}"]`));
    assert.doesNotThrow(values(`["${'\\",[{'.repeat(200_000)}"]`));
    assert.doesNotThrow(values(`{${Array.from({ length: 200_000 }, (_, i) => `"k${i}":1`).join(',')}}`));
  });
});
