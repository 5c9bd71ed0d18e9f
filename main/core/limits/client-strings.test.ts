import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { capList, capRecord, capString, ignoredHeader, MAX_NAME_CHARS } from './client-strings.js';

describe('client string caps', () => {
  test('a long string keeps its start and says how much was cut; capping again changes nothing', () => {
    assert.equal(capString('short'), 'short');
    const capped = capString('x'.repeat(1000));
    assert.equal(capped, `${'x'.repeat(MAX_NAME_CHARS)}…(+${1000 - MAX_NAME_CHARS} chars)`);
    assert.equal(capString(capped), capped);
  });

  test('a long list keeps its first names and counts the rest, also across a second capping', () => {
    const names = Array.from({ length: 100 }, (_, index) => `f${index}`);
    const capped = capList(names, 10);
    assert.deepEqual(capped, [...names.slice(0, 10), '…and 90 more fields']);
    assert.deepEqual(capList(capped, 5), [...names.slice(0, 5), '…and 95 more fields']);
  });

  test('a record keeps only capped client strings', () => {
    const huge = 'a'.repeat(5_000_000);
    const record = capRecord({ model: huge, userAgent: huge, path: huge, error: { type: 'x', code: 'y', message: huge }, ignored: [huge] });
    assert.ok(JSON.stringify(record).length < 4_000, `${JSON.stringify(record).length} chars kept`);
  });

  test('the ignored header counts fields a capped list left out', () => {
    assert.equal(ignoredHeader(['a', 'b', '…and 999998 more fields']), 'a, b, (999998 other fields)');
    assert.equal(ignoredHeader(['a', 'bad name']), 'a, (1 other field)');
  });
});
