import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineFramer } from './line-framer.js';

const MB = 1024 * 1024;

/** Pushes each chunk and gathers every line, plus what end() flushes. */
function frame(chunks: (string | Buffer)[], framer = new LineFramer(MB)): string[] {
  const lines: string[] = [];
  for (const chunk of chunks) lines.push(...framer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  lines.push(...framer.end());
  return lines;
}

describe('LineFramer', () => {
  it('splits a chunk into lines', () => {
    assert.deepEqual(frame(['{"a":1}\n{"b":2}\n']), ['{"a":1}', '{"b":2}']);
  });

  it('joins a line split across chunks', () => {
    const framer = new LineFramer(MB);
    assert.deepEqual(framer.push(Buffer.from('{"type":"res')), []);
    assert.deepEqual(framer.push(Buffer.from('ult"}\n{"ty')), ['{"type":"result"}']);
    assert.deepEqual(framer.push(Buffer.from('pe":"x"}\n')), ['{"type":"x"}']);
    assert.deepEqual(framer.end(), []);
  });

  it('decodes a multi-byte UTF-8 character split across chunks', () => {
    const bytes = Buffer.from('{"text":"héllo 🌍 ✋"}\n');
    // Split inside é (2 bytes), inside 🌍 (4 bytes) and inside ✋ (3 bytes).
    const e = bytes.indexOf(0xc3);
    const globe = bytes.indexOf(0xf0);
    const hand = bytes.indexOf(0xe2);
    const chunks = [
      bytes.subarray(0, e + 1),
      bytes.subarray(e + 1, globe + 2),
      bytes.subarray(globe + 2, hand + 1),
      bytes.subarray(hand + 1),
    ];
    assert.deepEqual(frame(chunks), ['{"text":"héllo 🌍 ✋"}']);
  });

  it('decodes a stream fed one byte at a time', () => {
    const text = 'ünïcödé ✓\nzweite Zeile 🎉\n';
    const bytes = Buffer.from(text);
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    assert.deepEqual(frame(chunks), ['ünïcödé ✓', 'zweite Zeile 🎉']);
  });

  it('strips CRLF line endings, also when \\r and \\n arrive in different chunks', () => {
    assert.deepEqual(frame(['one\r\ntwo\r', '\nthree\n']), ['one', 'two', 'three']);
  });

  it('keeps empty lines as empty strings', () => {
    assert.deepEqual(frame(['a\n\nb\n']), ['a', '', 'b']);
  });

  it('end() flushes a last line without a newline', () => {
    const framer = new LineFramer(MB);
    assert.deepEqual(framer.push(Buffer.from('first\nlast')), ['first']);
    assert.deepEqual(framer.end(), ['last']);
  });

  it('end() returns nothing when the stream ended with a newline', () => {
    const framer = new LineFramer(MB);
    framer.push(Buffer.from('only\n'));
    assert.deepEqual(framer.end(), []);
  });

  it('drops an over-long line, reports its byte count, and keeps the following lines', () => {
    const sizes: number[] = [];
    const framer = new LineFramer(10, (bytes) => sizes.push(bytes));
    const long = 'x'.repeat(100);
    // The long line arrives over several chunks, like a big stdout line does.
    const lines = frame(['ok\n', long.slice(0, 30), long.slice(30, 70), `${long.slice(70)}\nafter\n`, 'tail'], framer);
    assert.deepEqual(lines, ['ok', 'after', 'tail']);
    assert.deepEqual(sizes, [100]);
  });

  it('counts bytes, not characters, against the limit', () => {
    const sizes: number[] = [];
    const framer = new LineFramer(8, (bytes) => sizes.push(bytes));
    // 5 characters, 10 bytes.
    assert.deepEqual(frame(['ééééé\nabc\n'], framer), ['abc']);
    assert.deepEqual(sizes, [10]);
  });

  it('accepts a line of exactly the limit and drops one byte more', () => {
    const sizes: number[] = [];
    const framer = new LineFramer(10, (bytes) => sizes.push(bytes));
    assert.deepEqual(frame(['0123456789\n01234567890\nend\n'], framer), ['0123456789', 'end']);
    assert.deepEqual(sizes, [11]);
  });

  it('reports an over-long last line at end()', () => {
    const sizes: number[] = [];
    const framer = new LineFramer(10, (bytes) => sizes.push(bytes));
    assert.deepEqual(framer.push(Buffer.from('y'.repeat(25))), []);
    assert.deepEqual(framer.end(), []);
    assert.deepEqual(sizes, [25]);
  });
});
