import { EVENT_CHANNELS } from '../../../shared/contract.js';
import type { DashboardBridge } from './dashboard-bridge.js';
import type { ProxyContext } from './context.js';
import { sendSse } from './sse.js';
import { sseFrame } from '../translate/sse.js';

/**
 * The window's push channels as server-sent events: `event: <channel>` with
 * the payload as one JSON line. One stream per open page; its listeners go
 * when the page does.
 */

/** A page that stops reading (a suspended tab) must not make us buffer without end: drop it, it reconnects and re-lists. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** How soon EventSource reconnects after a drop (its default is ~3 s, which feels broken in a live view). */
const RETRY_MS = 1_000;

export function streamEvents(ctx: ProxyContext, bridge: DashboardBridge, onClose: () => void = () => undefined): void {
  const frames = new PushedFrames(MAX_BUFFERED_BYTES);
  const unsubscribe = EVENT_CHANNELS.map((channel) => bridge.on(channel, (payload: unknown) => frames.push(sseFrame(payload, channel))));
  frames.onClose(() => {
    for (const off of unsubscribe) off();
    onClose();
  });
  // Sent at once so the headers go out and EventSource reports `open` before the first real event.
  frames.push(`retry: ${RETRY_MS}\n: connected\n\n`);
  sendSse(ctx, frames, { cacheControl: 'no-store, no-transform' });
}

/**
 * Events arrive when they happen, not when the page reads: they wait here,
 * up to a byte limit past which the page is dropped (the stream ends).
 */
class PushedFrames implements AsyncIterableIterator<string> {
  private readonly frames: string[] = [];
  private bytes = 0;
  private closed = false;
  private waiting: ((result: IteratorResult<string>) => void) | undefined;
  private closeListener: (() => void) | undefined;

  constructor(private readonly maxBytes: number) {}

  push(frame: string): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: frame, done: false });
      return;
    }
    this.frames.push(frame);
    this.bytes += frame.length;
    if (this.bytes > this.maxBytes) {
      this.frames.length = 0;
      void this.return();
    }
  }

  onClose(listener: () => void): void {
    this.closeListener = listener;
  }

  next(): Promise<IteratorResult<string>> {
    const frame = this.frames.shift();
    if (frame !== undefined) {
      this.bytes -= frame.length;
      return Promise.resolve({ value: frame, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<string>> {
    if (!this.closed) {
      this.closed = true;
      this.closeListener?.();
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
