import { ProxyError } from '../errors.js';

/**
 * A counting semaphore with a bounded FIFO queue. Waiters leave the queue when
 * their request is aborted or their wait limit passes, so a burst of clients
 * can neither grow memory nor wait forever.
 */

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

export interface SlotQueueOptions {
  maxActive: number;
  maxQueued: number;
  maxWaitMs: number;
}

export class SlotQueue {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(private options: SlotQueueOptions) {}

  configure(options: SlotQueueOptions): void {
    this.options = options;
    this.drain();
  }

  get stats() {
    return { active: this.active, queued: this.waiters.length, maxActive: this.options.maxActive, maxQueued: this.options.maxQueued };
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (this.active < this.options.maxActive && this.waiters.length === 0) return Promise.resolve(this.grant());
    if (this.waiters.length >= this.options.maxQueued) {
      return Promise.reject(
        new ProxyError('overloaded_error', `All ${this.options.maxActive} Claude CLI slots are busy and the queue is full; retry shortly`, {
          code: 'queue_full',
          headers: { 'Retry-After': '5' },
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.remove(waiter);
        reject(
          new ProxyError(
            'overloaded_error',
            `Waited ${Math.round(this.options.maxWaitMs / 1000)} s for a free Claude CLI slot; retry shortly`,
            {
              code: 'queue_timeout',
              headers: { 'Retry-After': '5' },
            },
          ),
        );
      }, this.options.maxWaitMs);
      const onAbort = () => {
        this.remove(waiter);
        reject(abortError());
      };
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Fails every waiter (used on shutdown). */
  rejectAll(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }

  private grant(): () => void {
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.drain();
    };
  }

  private drain(): void {
    while (this.active < this.options.maxActive && this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      waiter.cleanup();
      waiter.resolve(this.grant());
    }
  }

  private remove(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index !== -1) this.waiters.splice(index, 1);
    waiter.cleanup();
  }
}

export function abortError(): Error {
  const error = new Error('The request was aborted');
  error.name = 'AbortError';
  return error;
}
