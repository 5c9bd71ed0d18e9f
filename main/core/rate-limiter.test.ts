import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.js';

const DEFAULTS: RateLimitOptions = { requestsPerMinute: 60, burst: 10, maxTrackedClients: 10_000 };
const T0 = 1_764_000_000_000; // a whole second, in ms

function limiter(options: Partial<RateLimitOptions> = {}) {
  const clock = { now: T0 };
  const rl = new RateLimiter({ ...DEFAULTS, ...options }, () => clock.now);
  return { rl, clock };
}

describe('RateLimiter', () => {
  it('lets 70 back-to-back requests through (60/min + burst 10) and refuses the 71st', () => {
    const { rl } = limiter();
    for (let i = 1; i <= 70; i++) assert.equal(rl.take('a').allowed, true, `request ${i}`);
    const refused = rl.take('a');
    assert.equal(refused.allowed, false);
    assert.ok(refused.retryAfter >= 1);
    assert.equal(refused.retryAfter, 1, 'one token comes back per second at 60/min');
    assert.equal(refused.remaining, 0);
    assert.equal(refused.limit, 60);
  });

  it('counts remaining 59 … 0 over the first 60 and 0 for the 10 burst requests', () => {
    const { rl } = limiter();
    const remaining = Array.from({ length: 70 }, () => rl.take('a').remaining);
    assert.deepEqual(
      remaining.slice(0, 60),
      Array.from({ length: 60 }, (_, i) => 59 - i),
    );
    assert.deepEqual(remaining.slice(60), Array(10).fill(0));
  });

  it('reports resetAt as the epoch second when the bucket is full again', () => {
    const { rl } = limiter();
    const first = rl.take('a');
    assert.equal(first.retryAfter, 0);
    assert.equal(first.resetAt, T0 / 1000 + 1, 'one token used: full again in one second');
    for (let i = 0; i < 69; i++) rl.take('a');
    assert.equal(rl.take('a').resetAt, T0 / 1000 + 70, 'empty: 70 tokens at one a second');
  });

  it('refills with time: one more request passes after a second', () => {
    const { rl, clock } = limiter();
    for (let i = 0; i < 70; i++) rl.take('a');
    assert.equal(rl.take('a').allowed, false);
    clock.now += 500;
    const early = rl.take('a');
    assert.equal(early.allowed, false);
    assert.equal(early.retryAfter, 1, 'half a token: still rounds up to a whole second');
    clock.now += 500;
    assert.equal(rl.take('a').allowed, true);
    assert.equal(rl.take('a').allowed, false);
  });

  it('refills the sustained part first in the headers after a quiet minute', () => {
    const { rl, clock } = limiter();
    for (let i = 0; i < 70; i++) rl.take('a');
    clock.now += 60_000;
    const decision = rl.take('a');
    assert.equal(decision.allowed, true);
    // 60 tokens back, one used: 59 left, of which the top 10 are burst.
    assert.equal(decision.remaining, 49);
  });

  it('keeps clients independent', () => {
    const { rl } = limiter();
    for (let i = 0; i < 70; i++) rl.take('a');
    assert.equal(rl.take('a').allowed, false);
    const other = rl.take('b');
    assert.equal(other.allowed, true);
    assert.equal(other.remaining, 59);
  });

  it('never tracks more than maxTrackedClients, evicting the least recently seen', () => {
    const { rl } = limiter({ maxTrackedClients: 3 });
    for (let i = 0; i < 70; i++) rl.take('a');
    assert.equal(rl.take('a').allowed, false);
    for (const client of ['b', 'c', 'd', 'e', 'f']) {
      rl.take(client);
      assert.ok(rl.trackedClients <= 3, `tracked ${rl.trackedClients}`);
    }
    assert.equal(rl.trackedClients, 3);
    assert.deepEqual(
      rl.counters().map((c) => c.client),
      ['d', 'e', 'f'],
    );
  });

  it('keeps a recently seen client over an older one', () => {
    const { rl } = limiter({ maxTrackedClients: 2 });
    rl.take('a');
    rl.take('b');
    rl.take('a');
    rl.take('c');
    assert.deepEqual(
      rl
        .counters()
        .map((c) => c.client)
        .sort(),
      ['a', 'c'],
    );
  });

  it('prune() keeps clients that are still refilling or within their window', () => {
    const { rl, clock } = limiter();
    rl.take('idle');
    for (let i = 0; i < 70; i++) rl.take('busy');
    clock.now += 1_000;
    rl.prune();
    assert.equal(rl.trackedClients, 2, 'idle is refilled but still within its one-minute window');
    clock.now += 30_000;
    rl.prune();
    assert.ok(
      rl.counters().some((c) => c.client === 'busy'),
      'busy has 31 of 70 tokens back',
    );
  });

  it('prune() drops clients that are fully refilled and idle for a window', () => {
    const { rl, clock } = limiter();
    rl.take('idle');
    for (let i = 0; i < 70; i++) rl.take('busy');
    clock.now += 61_000;
    rl.prune();
    assert.deepEqual(
      rl.counters().map((c) => c.client),
      ['busy'],
      'idle is full and its window has passed; busy has only 61 of 70 tokens back',
    );
    clock.now += 600_000;
    rl.prune();
    assert.equal(rl.trackedClients, 0);
  });

  it('counters() reports allowed, refused and burst in use for the current window', () => {
    const { rl, clock } = limiter();
    for (let i = 0; i < 65; i++) rl.take('a');
    let [a] = rl.counters();
    assert.equal(a?.client, 'a');
    assert.equal(a?.allowed, 65);
    assert.equal(a?.refused, 0);
    assert.equal(a?.burstInUse, 5);
    assert.equal(a?.remaining, 0);
    assert.equal(a?.limit, 60);
    assert.equal(a?.burst, 10);
    assert.equal(a?.resetInSeconds, 65);

    for (let i = 0; i < 7; i++) rl.take('a');
    [a] = rl.counters();
    assert.equal(a?.allowed, 70);
    assert.equal(a?.refused, 2);
    assert.equal(a?.burstInUse, 10);
    assert.equal(a?.lastSeen, T0);

    clock.now += 60_000;
    [a] = rl.counters();
    assert.equal(a?.allowed, 0, 'a new window starts the counts again');
    assert.equal(a?.refused, 0);
    assert.equal(a?.burstInUse, 0, '60 tokens back: the burst is free again');
    assert.equal(a?.remaining, 50);
  });

  it('configure() applies a new rate to later requests', () => {
    const { rl } = limiter();
    rl.configure({ requestsPerMinute: 2, burst: 0, maxTrackedClients: 10 });
    assert.equal(rl.take('a').allowed, true);
    assert.equal(rl.take('a').allowed, true);
    const refused = rl.take('a');
    assert.equal(refused.allowed, false);
    assert.equal(refused.limit, 2);
    assert.equal(refused.retryAfter, 30);
  });

  it('uses the injected clock, not the wall clock', () => {
    const { rl, clock } = limiter();
    clock.now = 5_000;
    assert.equal(rl.take('a').resetAt, 6);
  });
});
