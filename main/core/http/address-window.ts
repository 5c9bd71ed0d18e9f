import { ProxyError } from '../errors.js';
import type { ProxyContext } from './context.js';

/** Wrong access keys or dashboard tokens per address per minute before the answer is a 429 without checking. */
export const AUTH_FAILURES_PER_MINUTE = 10;

/**
 * Counts events per client address within a fixed window (a minute), with a
 * bound on how many addresses are tracked, so a flood from many addresses
 * cannot grow memory. Used for wrong access keys and dashboard tokens (after
 * too many, a wrong one gets a 429) and for how many refusals from one
 * address are put in the request log.
 */
export class AddressWindow {
  private readonly counts = new Map<string, { start: number; count: number }>();

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
    readonly windowMs = 60_000,
    private readonly maxTracked = 10_000,
  ) {}

  /** How many were counted for this address in the current window. */
  count(address: string): number {
    const entry = this.counts.get(address);
    return entry && this.now() - entry.start < this.windowMs ? entry.count : 0;
  }

  exceeded(address: string): boolean {
    return this.count(address) >= this.limit;
  }

  /** Counts one more; answers the new count. */
  add(address: string): number {
    const now = this.now();
    let entry = this.counts.get(address);
    if (!entry || now - entry.start >= this.windowMs) {
      this.counts.delete(address);
      if (this.counts.size >= this.maxTracked) this.prune(now);
      entry = { start: now, count: 0 };
      this.counts.set(address, entry);
    }
    entry.count += 1;
    return entry.count;
  }

  /** Seconds until this address's window ends. */
  retryAfter(address: string): number {
    const entry = this.counts.get(address);
    return entry ? Math.max(1, Math.ceil((entry.start + this.windowMs - this.now()) / 1000)) : 1;
  }

  /**
   * Windows are inserted when they start, so the Map's order is oldest first:
   * drop from the front while expired, or while still full (the price of a
   * fixed bound), and stop at the first live one. O(1) amortised under a flood.
   */
  private prune(now: number): void {
    for (const [address, entry] of this.counts) {
      if (this.counts.size < this.maxTracked && now - entry.start < this.windowMs) break;
      this.counts.delete(address);
    }
  }
}

/** Past the limit, a wrong key or token gets a 429; callers check the credential first, so the right one always passes. */
export function refuseIfLimited(ctx: ProxyContext, failures: AddressWindow): void {
  const address = ctx.request.socket.remoteAddress ?? 'unknown';
  if (!failures.exceeded(address)) return;
  throw new ProxyError('rate_limit_error', 'Too many wrong keys or tokens from this address; try again later', {
    code: 'too_many_auth_failures',
    headers: { 'Retry-After': String(failures.retryAfter(address)) },
  });
}
