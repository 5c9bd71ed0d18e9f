import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../core/logger.js';
import { installQuitHandler, quitSequence, type QuittableApp } from './quit.js';

function memoryLog() {
  const lines: string[] = [];
  return { lines, log: createLogger((level, message) => lines.push(`${level} ${message}`)) };
}

describe('quitSequence', () => {
  it('waits for the proxy to end every CLI child, then closes the bridge', async () => {
    const order: string[] = [];
    const { lines, log } = memoryLog();
    const outcome = await quitSequence({
      proxy: { shutdown: () => new Promise<void>((resolve) => setTimeout(() => (order.push('shutdown done'), resolve()), 30)) },
      bridge: { close: () => order.push('bridge closed') },
      log,
      deadlineMs: 5_000,
    });
    assert.equal(outcome, 'clean');
    assert.deepEqual(order, ['shutdown done', 'bridge closed']);
    assert.match(lines[0] ?? '', /ending every Claude CLI process/);
  });

  it('gives up at the deadline when a child will not die', async () => {
    const { lines, log } = memoryLog();
    let closed = false;
    const outcome = await quitSequence({
      proxy: { shutdown: () => new Promise<void>(() => {}) },
      bridge: { close: () => (closed = true) },
      log,
      deadlineMs: 50,
    });
    // No clock reading: the shutdown never ends, so 'deadline' is the only way out (the test above shows it waits for a shutdown that does end).
    assert.equal(outcome, 'deadline');
    assert.equal(closed, true);
    assert.ok(lines.some((line) => line.startsWith('warn') && line.includes('quitting anyway')));
  });

  it('still finishes when shutdown fails', async () => {
    const { lines, log } = memoryLog();
    const outcome = await quitSequence({
      proxy: { shutdown: async () => Promise.reject(new Error('boom')) },
      bridge: { close: () => {} },
      log,
      deadlineMs: 1_000,
    });
    assert.equal(outcome, 'failed');
    assert.ok(lines.some((line) => line === 'error Stopping the proxy failed'));
  });
});

function fakeApp() {
  let listener: ((event: { preventDefault(): void }) => void) | undefined;
  const calls: string[] = [];
  const app: QuittableApp = {
    on: (_event, fn) => (listener = fn),
    quit: () => {
      calls.push('quit');
      // Electron emits before-quit again on every app.quit().
      requestQuit();
    },
  };
  const requestQuit = () => {
    let prevented = false;
    listener?.({ preventDefault: () => (prevented = true) });
    calls.push(prevented ? 'held' : 'exits');
    return prevented;
  };
  return { app, calls, requestQuit };
}

describe('installQuitHandler', () => {
  it('holds the first quit until the sequence has run, then quits for real', async () => {
    const fake = fakeApp();
    let finish: () => void = () => {};
    let runs = 0;
    const handler = installQuitHandler(fake.app, () => {
      runs += 1;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    assert.equal(handler.isQuitting(), false);
    assert.equal(fake.requestQuit(), true);
    assert.equal(handler.isQuitting(), true, 'windows may close for real from now on');
    // Impatient second Quit: held, and the sequence is not started twice.
    assert.equal(fake.requestQuit(), true);
    assert.equal(runs, 1);
    assert.deepEqual(fake.calls, ['held', 'held']);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(fake.calls, ['held', 'held', 'quit', 'exits']);
  });

  it('quits even when the sequence throws', async () => {
    const fake = fakeApp();
    installQuitHandler(fake.app, async () => {
      throw new Error('boom');
    });
    fake.requestQuit();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(fake.calls, ['held', 'quit', 'exits']);
  });
});
