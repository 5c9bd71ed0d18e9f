import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scanForStop } from './stop-sequences.js';

/** Feeds deltas one by one, as the translator does; returns what was sent and the match. */
function feed(deltas: string[], stops: string[]) {
  let held = '';
  let sent = '';
  for (const delta of deltas) {
    const scan = scanForStop(held, delta, stops);
    sent += scan.emit;
    held = scan.held;
    if (scan.matched !== undefined) return { sent, matched: scan.matched, held };
  }
  return { sent, matched: undefined, held };
}

describe('scanForStop', () => {
  it('passes everything through without stop sequences', () => {
    assert.deepEqual(scanForStop('', 'Hello STOP', []), { emit: 'Hello STOP', held: '', matched: undefined });
    assert.deepEqual(scanForStop('ab', 'cd', []), { emit: 'abcd', held: '', matched: undefined });
  });

  it('emits text before a sequence found in one delta', () => {
    assert.deepEqual(scanForStop('', 'abcSTOPdef', ['STOP']), { emit: 'abc', held: '', matched: 'STOP' });
  });

  it('holds back a possible prefix and completes the match with the next delta', () => {
    assert.deepEqual(scanForStop('', 'Hello ST', ['STOP']), { emit: 'Hello ', held: 'ST', matched: undefined });
    assert.deepEqual(scanForStop('ST', 'OP and more', ['STOP']), { emit: '', held: '', matched: 'STOP' });
  });

  it('releases a held prefix that turns out not to be a stop sequence', () => {
    assert.deepEqual(scanForStop('', 'Hello S', ['STOP']), { emit: 'Hello ', held: 'S', matched: undefined });
    assert.deepEqual(scanForStop('S', 'ure', ['STOP']), { emit: 'Sure', held: '', matched: undefined });
  });

  it('holds the longest suffix that is a proper prefix of any sequence', () => {
    assert.deepEqual(scanForStop('', 'xSTO', ['TOX', 'STOP']), { emit: 'x', held: 'STO', matched: undefined });
    assert.deepEqual(scanForStop('', 'x\n\n', ['\n\nHuman:']), { emit: 'x', held: '\n\n', matched: undefined });
  });

  it('never holds a whole sequence: a complete one is a match', () => {
    assert.deepEqual(scanForStop('', 'endST', ['ST']), { emit: 'end', held: '', matched: 'ST' });
  });

  it('picks the sequence that starts first', () => {
    assert.deepEqual(scanForStop('', 'one END two STOP', ['STOP', 'END']), { emit: 'one ', held: '', matched: 'END' });
  });

  it('finds sequences split one character per delta', () => {
    assert.deepEqual(feed(['a', 'S', 'T', 'O', 'P', 'b'], ['STOP']), { sent: 'a', matched: 'STOP', held: '' });
  });

  it('handles overlapping prefixes (ABAB then AC finds ABAC)', () => {
    assert.deepEqual(feed(['xABAB', 'AC'], ['ABAC']), { sent: 'xAB', matched: 'ABAC', held: '' });
  });

  it('loses nothing when no sequence matches', () => {
    const deltas = ['The ST', 'ORY of S', 'TOPS', 'tone'];
    const { sent, matched, held } = feed(deltas, ['STOP!']);
    assert.equal(matched, undefined);
    assert.equal(sent + held, deltas.join(''));
  });

  it('works with multi-byte text', () => {
    assert.deepEqual(feed(['héllo wö', 'rld ✋ ', 'fin'], ['✋']), { sent: 'héllo wörld ', matched: '✋', held: '' });
  });
});
