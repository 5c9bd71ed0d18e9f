import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ProxyError } from '../errors.js';
import { ignoredKeys, parseWith, validationError, withIgnored } from './validation.js';

const schema = z.object({ items: z.array(z.object({ name: z.string() })), count: z.number().optional() });

function errorFor(value: unknown): ProxyError {
  const parsed = schema.safeParse(value);
  assert.equal(parsed.success, false);
  return validationError(parsed.error);
}

describe('validationError', () => {
  it('is a 400 validation_error naming the first offending field as a dotted path', () => {
    const error = errorFor({ items: [{ name: 'a' }, { name: 7 }] });
    assert.equal(error.status, 400);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.code, 'validation_error');
    assert.equal(error.details?.field, 'items.1.name');
    assert.equal(error.param, 'items.1.name');
    assert.equal(typeof error.details?.issue, 'string');
    assert.ok(error.message.startsWith('Invalid request: items.1.name: '));
  });

  it('has no field when the whole body is wrong', () => {
    const error = errorFor('not an object');
    assert.equal(error.details?.field, undefined);
    assert.equal(error.param, undefined);
    assert.ok(!('field' in (error.details ?? {})));
    assert.match(error.message, /^Invalid request: /);
  });
});

describe('parseWith', () => {
  it('returns the parsed value or throws the 400', () => {
    assert.deepEqual(parseWith(schema, { items: [] }), { items: [] });
    assert.throws(
      () => parseWith(schema, { items: 'x' }),
      (error: unknown) => error instanceof ProxyError && error.details?.field === 'items',
    );
  });
});

describe('ignoredKeys', () => {
  it('lists present, non-null keys that are not honoured, sorted', () => {
    const body = { model: 'm', temperature: 1, seed: undefined, top_p: null, tools: [], logit_bias: {} };
    assert.deepEqual(ignoredKeys(body, new Set(['model'])), ['logit_bias', 'temperature', 'tools']);
    assert.deepEqual(ignoredKeys({ model: 'm' }, new Set(['model'])), []);
  });
});

describe('withIgnored', () => {
  it('puts added entries before the count of fields left unlisted, which stays last', () => {
    const keys = ignoredKeys(Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 1])), new Set());
    const merged = withIgnored(keys, ['tools.0.web_search_20250305', 'cache_control']);
    assert.equal(merged.at(-1), keys.at(-1));
    assert.deepEqual(merged.slice(-3, -1), ['tools.0.web_search_20250305', 'cache_control']);
    assert.deepEqual(withIgnored(['temperature'], ['cache_control']), ['temperature', 'cache_control']);
  });
});
