/**
 * Per-client token bucket. Capacity is the sustained rate plus the burst
 * (60 + 10 by default), refilled at the sustained rate. The headers count down
 * the sustained part only: the burst requests beyond it still pass, reporting
 * 0 remaining. Memory is bounded: at most `maxClients` buckets are kept, least
 * recently seen evicted first, and a full bucket carries no information so
 * idle clients are dropped.
 */

export interface RateLimitOptions {
  requestsPerMinute: number;
  burst: number;
  maxTrackedClients: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds when the bucket is full again. */
  resetAt: number;
  /** Seconds until the next request would pass (only when refused). */
  retryAfter: number;
}

export interface ClientCounters {
  client: string;
  limit: number;
  remaining: number;
  burst: number;
  burstInUse: number;
  resetInSeconds: number;
  /** Requests passed and refused in the current one-minute window. */
  allowed: number;
  refused: number;
  lastSeen: number;
}

interface Bucket {
  tokens: number;
  updated: number;
  windowStart: number;
  allowed: number;
  refused: number;
}

const WINDOW_MS = 60_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private options: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  configure(options: RateLimitOptions): void {
    this.options = options;
  }

  private get capacity(): number {
    return this.options.requestsPerMinute + this.options.burst;
  }

  private get perMs(): number {
    return this.options.requestsPerMinute / WINDOW_MS;
  }

  take(client: string): RateDecision {
    const now = this.now();
    const bucket = this.refresh(client, now);
    const allowed = bucket.tokens >= 1;
    if (allowed) {
      bucket.tokens -= 1;
      bucket.allowed++;
    } else {
      bucket.refused++;
    }
    this.touch(client, bucket);
    return {
      allowed,
      limit: this.options.requestsPerMinute,
      remaining: this.remaining(bucket),
      resetAt: Math.ceil((now + (this.capacity - bucket.tokens) / this.perMs) / 1000),
      retryAfter: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)),
    };
  }

  counters(): ClientCounters[] {
    const now = this.now();
    return [...this.buckets.keys()].map((client) => {
      const bucket = this.refresh(client, now);
      const sustainedLeft = this.remaining(bucket);
      return {
        client,
        limit: this.options.requestsPerMinute,
        remaining: sustainedLeft,
        burst: this.options.burst,
        burstInUse: Math.min(this.options.burst, Math.ceil(this.options.burst - Math.min(this.options.burst, bucket.tokens))),
        resetInSeconds: Math.ceil((this.capacity - bucket.tokens) / this.perMs / 1000),
        allowed: bucket.allowed,
        refused: bucket.refused,
        lastSeen: bucket.updated,
      };
    });
  }

  get trackedClients(): number {
    return this.buckets.size;
  }

  /** Drops clients whose bucket has refilled and whose window has passed: they are indistinguishable from new ones. */
  prune(): void {
    const now = this.now();
    for (const [client, bucket] of this.buckets) {
      // Computed without refresh(), which would restart the passed window and keep every client forever.
      const tokens = Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.updated) * this.perMs);
      if (tokens >= this.capacity && now - bucket.windowStart >= WINDOW_MS) this.buckets.delete(client);
    }
  }

  private remaining(bucket: Bucket): number {
    return Math.max(0, Math.floor(bucket.tokens) - this.options.burst);
  }

  private refresh(client: string, now: number): Bucket {
    let bucket = this.buckets.get(client);
    if (!bucket) {
      bucket = { tokens: this.capacity, updated: now, windowStart: now, allowed: 0, refused: 0 };
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.updated);
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed * this.perMs);
    bucket.updated = now;
    if (now - bucket.windowStart >= WINDOW_MS) {
      bucket.windowStart = now;
      bucket.allowed = 0;
      bucket.refused = 0;
    }
    return bucket;
  }

  /** Re-inserting keeps Map order = least recently seen first, which makes eviction O(1). */
  private touch(client: string, bucket: Bucket): void {
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    while (this.buckets.size > this.options.maxTrackedClients) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
  }
}
