import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProxyError } from '../errors.js';
import type { TurnEvent } from './turn-events.js';
import { TurnStream, type TurnSink } from './turn-stream.js';

const text = (index: number): TurnEvent => ({ type: 'text', index: 0, text: `t${index}` });

/** A producer the test drives by hand: it resolves when told, or when aborted. */
function manual() {
  let sink!: TurnSink;
  let signal!: AbortSignal;
  let finish!: (error?: Error) => void;
  const stream = new TurnStream((given, aborted) => {
    sink = given;
    signal = aborted;
    return new Promise<void>((resolve, reject) => {
      finish = (error) => (error === undefined ? resolve() : reject(error));
      aborted.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    });
  }, 4);
  return { stream, sink: () => sink, signal: () => signal, finish: (error?: Error) => finish(error) };
}

describe('TurnStream', () => {
  it('hands events to a waiting reader, then ends when the run does', async () => {
    const run = manual();
    const first = run.stream.next();
    run.sink().push(text(1));
    assert.deepEqual(await first, { value: text(1), done: false });
    run.finish();
    await run.stream.finished;
    assert.deepEqual(await run.stream.next(), { value: undefined, done: true });
  });

  it('says "full" at the high-water mark and calls drain once the reader took half', async () => {
    const run = manual();
    let drained = 0;
    run.sink().onDrain(() => drained++);
    assert.deepEqual(
      [1, 2, 3, 4].map((index) => run.sink().push(text(index))),
      [true, true, true, false],
    );
    await run.stream.next();
    assert.equal(drained, 0, 'three left: still over half');
    await run.stream.next();
    assert.equal(drained, 1, 'two left: drained');
    run.finish();
  });

  it('reports a failure of the run once, after the events before it', async () => {
    const run = manual();
    run.sink().push(text(1));
    run.finish(new ProxyError('overloaded_error', 'queue full', { code: 'queue_full' }));
    await run.stream.finished;
    assert.deepEqual(await run.stream.next(), { value: text(1), done: false });
    await assert.rejects(run.stream.next(), /queue full/);
    assert.deepEqual(await run.stream.next(), { value: undefined, done: true });
  });

  it("return() cancels at once, also a reader still waiting, and the abort is nobody's error", async () => {
    const run = manual();
    const waiting = run.stream.next();
    await run.stream.return();
    assert.deepEqual(await waiting, { value: undefined, done: true });
    assert.equal(run.signal().aborted, true);
    assert.equal(run.stream.cancelled, true);
    await run.stream.finished;
    assert.deepEqual(await run.stream.next(), { value: undefined, done: true });
  });

  it('return() after the run ended is no cancellation', async () => {
    const run = manual();
    run.finish();
    await run.stream.finished;
    await run.stream.return();
    assert.equal(run.stream.cancelled, false);
  });
});
