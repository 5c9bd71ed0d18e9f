import type { TurnEvent } from './turn-events.js';
import type { MeterEvent } from './turn-meter.js';

/**
 * One CLI turn as an async iterator: the HTTP layer pulls events at the pace
 * its client reads them. The child's stdout pushes; between the two sits a
 * small queue. When it holds `highWater` events, `push` answers false and the
 * runner pauses the child's stdout; once the reader has taken half of them,
 * the drain listener resumes it. So a client that stops reading stops the CLI
 * (its pipe fills and its writes block) instead of growing our memory.
 *
 * `return()` is cancellation: the reader leaving (client gone, answer cut,
 * window's cancel) aborts the run, which ends the child. It takes effect at
 * once, also while the run is still queued for a slot.
 */

/** The turn's events, plus the moment a child took it and what it spent (for the request log and the plan). */
export type RunEvent = TurnEvent | { type: 'spawned'; pid: number | undefined } | MeterEvent;

export interface TurnSink {
  /** Queues an event; false means "full: pause the source until drained". */
  push(event: RunEvent): boolean;
  onDrain(listener: () => void): void;
}

export type TurnProducer = (sink: TurnSink, signal: AbortSignal) => Promise<void>;

const DEFAULT_HIGH_WATER = 32;

export class TurnStream implements AsyncIterableIterator<RunEvent>, TurnSink {
  /** Settles when the run is over and its child has exited, however it ended. */
  readonly finished: Promise<void>;
  private readonly queue: RunEvent[] = [];
  private readonly abort = new AbortController();
  private waiting: { resolve: (result: IteratorResult<RunEvent>) => void; reject: (error: unknown) => void } | undefined;
  private outcome: { error?: unknown } | undefined;
  private full = false;
  private drainListener: (() => void) | undefined;

  constructor(
    produce: TurnProducer,
    private readonly highWater = DEFAULT_HIGH_WATER,
  ) {
    this.finished = produce(this, this.abort.signal).then(
      () => this.settle({}),
      (error: unknown) => this.settle({ error }),
    );
  }

  /** True once the reader has let go before the run ended on its own. */
  get cancelled(): boolean {
    return this.abort.signal.aborted;
  }

  push(event: RunEvent): boolean {
    if (this.cancelled || this.outcome) return true;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value: event, done: false });
      return true;
    }
    this.queue.push(event);
    if (this.queue.length >= this.highWater) this.full = true;
    return !this.full;
  }

  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }

  next(): Promise<IteratorResult<RunEvent>> {
    const event = this.queue.shift();
    if (event !== undefined) {
      if (this.full && this.queue.length <= this.highWater / 2) {
        this.full = false;
        this.drainListener?.();
      }
      return Promise.resolve({ value: event, done: false });
    }
    if (this.cancelled) return Promise.resolve({ value: undefined, done: true });
    if (this.outcome) {
      const { error } = this.outcome;
      // A failure is reported once; after it the iterator is simply done.
      this.outcome = {};
      // Rejected with what the run threw (a ProxyError, as a rule): the reader maps it.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<RunEvent>> {
    if (!this.outcome) this.abort.abort();
    this.queue.length = 0;
    this.resolveWaiting();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settle(outcome: { error?: unknown }): void {
    // A run aborted by its reader ends with an AbortError nobody needs to see.
    this.outcome = this.cancelled ? {} : outcome;
    if (!this.waiting) return;
    if (this.outcome.error !== undefined) {
      const { reject } = this.waiting;
      this.waiting = undefined;
      this.outcome = {};
      reject(outcome.error);
    } else {
      this.resolveWaiting();
    }
  }

  private resolveWaiting(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
  }
}
