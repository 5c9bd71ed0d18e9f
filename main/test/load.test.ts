import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  CANNED_CLI,
  httpRequest,
  liveCliPids,
  parseRawResponse,
  parseSse,
  startTestProxy,
  tagEnv,
  taggedProcesses,
  taggedProcessGroups,
  waitFor,
  type HttpAnswer,
  type TestProxy,
} from './helpers/test-proxy.js';

/**
 * Many clients at once, both APIs, streaming and not. Every answer must be its own (each request
 * echoes a unique text through the CLI), none lost; the process cap and the queue bound must hold
 * at every moment (sampled every 10 ms in-process, and by counting OS processes through /proc);
 * the queue's overflow gets 503 + Retry-After; the rate limiter's 429s are exact; and nothing is
 * left running afterwards. The canned sh CLI keeps turns cheap; the fake CLI's `claude-fake-gated`
 * holds its turns open until the test lets them go, so the queue fills for real.
 */

const TAG = randomUUID();
const FROZEN = Date.now();
const FAST = { rateLimit: { requestsPerMinute: 100_000, burst: 100_000 } };

type Kind = 'anthropic' | 'anthropic-stream' | 'openai' | 'openai-stream';
const KINDS: Kind[] = ['anthropic', 'anthropic-stream', 'openai', 'openai-stream'];

function chatRequest(kind: Kind, text: string, model = 'sonnet', variant = 0) {
  const stream = kind.endsWith('stream');
  const messages = [{ role: 'user', content: text }];
  if (kind.startsWith('anthropic')) return { path: '/v1/messages', body: { model, max_tokens: 64, stream, messages } };
  const path = variant % 2 ? '/openai/v1/chat/completions' : '/v1/chat/completions';
  return { path, body: { model, stream, ...(stream ? { stream_options: { include_usage: true } } : {}), messages } };
}

/** The answer's text, after checking the response is a whole, well-formed one of its kind. */
function answerText(kind: Kind, answer: HttpAnswer): string {
  assert.equal(answer.status, 200, answer.text.slice(0, 300));
  if (kind === 'anthropic') {
    const body = JSON.parse(answer.text);
    assert.equal(body.type, 'message');
    assert.equal(body.stop_reason, 'end_turn');
    return body.content.map((block: { text: string }) => block.text).join('');
  }
  if (kind === 'openai') {
    const body = JSON.parse(answer.text);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.choices[0].finish_reason, 'stop');
    return body.choices[0].message.content;
  }
  const events = parseSse(answer.text);
  if (kind === 'anthropic-stream') {
    assert.equal(events[0]?.event, 'message_start');
    assert.equal(events.at(-1)?.event, 'message_stop');
    return events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => JSON.parse(e.data).delta.text)
      .join('');
  }
  assert.equal(events.at(-1)?.data, '[DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
  assert.ok(chunks.at(-1).usage, 'include_usage adds the usage chunk');
  return chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
}

/**
 * Samples the cap and the queue in-process every 10 ms, and the CLI children alive in the OS (via
 * /proc, counted by process group: a child and anything it started are one) every few ms.
 */
function sampleLimits(proxy: TestProxy) {
  const seen = { active: 0, queued: 0, running: 0, osProcesses: 0, healthActive: 0, healthQueued: 0, samples: 0 };
  const timer = setInterval(() => {
    void proxy.proxy.cliHealth().then((health) => {
      seen.active = Math.max(seen.active, health.active);
      seen.queued = Math.max(seen.queued, health.queued);
      seen.running = Math.max(seen.running, proxy.proxy.stats().cliProcesses);
      seen.samples++;
    });
  }, 10);
  // /health itself must tell the same story.
  const viaHealth = setInterval(() => {
    void httpRequest(proxy.port, 'GET', '/health').then((answer) => {
      const { processes } = JSON.parse(answer.text);
      seen.healthActive = Math.max(seen.healthActive, processes.active);
      seen.healthQueued = Math.max(seen.healthQueued, processes.queued);
    });
  }, 50);
  let stopped = false;
  const os = (async () => {
    while (!stopped) {
      seen.osProcesses = Math.max(seen.osProcesses, (await taggedProcessGroups(TAG)).length);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    seen,
    async stop() {
      clearInterval(timer);
      clearInterval(viaHealth);
      stopped = true;
      await os;
      return seen;
    },
  };
}

async function nothingLeft(proxy: TestProxy) {
  await waitFor(async () => ((await taggedProcesses(TAG)).length === 0 && proxy.proxy.stats().cliProcesses === 0) || undefined);
  const health = JSON.parse((await httpRequest(proxy.port, 'GET', '/health')).text);
  assert.equal(health.processes.active, 0);
  assert.equal(health.processes.queued, 0);
  assert.equal(proxy.proxy.stats().inflight, 0);
}

describe('50 concurrent clients through the canned CLI', () => {
  let proxy: TestProxy;
  before(async () => {
    // A 30 ms sleep per turn, so the /proc sampler can see the children it counts.
    proxy = await startTestProxy({
      cliPath: CANNED_CLI,
      env: { ...tagEnv(TAG), CANNED_CLAUDE_SLEEP: '0.03' },
      settings: { ...FAST, cli: { maxConcurrent: 4, maxQueue: 64 } },
    });
  });
  after(() => proxy.close());

  test(
    'mixed streaming and not, both APIs: every answer is its own, none lost; the cap and the queue hold',
    { timeout: 300_000 },
    async (t) => {
      const CLIENTS = 50;
      const EACH = 4;
      const sampler = sampleLimits(proxy);
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: CLIENTS }, async (_, n) => {
          // One keep-alive connection per client, as an SDK holds.
          const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
          try {
            const texts: string[] = [];
            for (let m = 0; m < EACH; m++) {
              const kind = KINDS[(n + m) % KINDS.length]!;
              const { path, body } = chatRequest(kind, `ECHO:client-${n}-req-${m}`, 'sonnet', n);
              texts.push(answerText(kind, await httpRequest(proxy.port, 'POST', path, body, { agent })));
            }
            return texts;
          } finally {
            agent.destroy();
          }
        }),
      );
      const seen = await sampler.stop();
      t.diagnostic(
        `${CLIENTS * EACH} requests in ${Date.now() - started} ms; max active ${seen.active}, queued ${seen.queued}, OS process groups ${seen.osProcesses}, /health ${seen.healthActive}/${seen.healthQueued} (${seen.samples} samples)`,
      );
      results.forEach((texts, n) =>
        assert.deepEqual(
          texts,
          Array.from({ length: EACH }, (_, m) => `client-${n}-req-${m}`),
        ),
      );
      assert.ok(seen.active <= 4 && seen.running <= 4, `cap 4, saw ${seen.active} slots / ${seen.running} children`);
      assert.ok(seen.osProcesses <= 4, `cap 4, saw ${seen.osProcesses} CLI processes alive at once`);
      assert.ok(seen.queued <= 64, `queue 64, saw ${seen.queued}`);
      assert.ok(
        seen.healthActive <= 4 && seen.healthQueued <= 64 && seen.healthActive > 0,
        `/health saw ${seen.healthActive} active, ${seen.healthQueued} queued`,
      );
      assert.equal(seen.active, 4, 'the cap was reached');
      assert.ok(seen.queued > 0, 'the queue was used');
      assert.ok(seen.osProcesses > 0, 'the /proc sampler saw the children');
      await nothingLeft(proxy);
    },
  );
});

describe('a queue smaller than the excess (fake CLI, claude-fake-gated)', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({
      env: tagEnv(TAG),
      settings: { ...FAST, cli: { maxConcurrent: 2, maxQueue: 3 } },
    });
  });
  after(() => proxy.close());

  test('2 running + 3 queued are answered in full; the other 7 of 12 get 503 with Retry-After at once', { timeout: 300_000 }, async (t) => {
    const sampler = sampleLimits(proxy);
    let maxPidFiles = 0;
    const pidTimer = setInterval(
      () => void liveCliPids(proxy.pidDir).then((pids) => (maxPidFiles = Math.max(maxPidFiles, pids.length))),
      10,
    );
    // Gated turns hold their slots until released, so the 7 refusals must come while every answer is still open.
    const order: string[] = [];
    const pending = Array.from({ length: 12 }, async (_, i) => {
      const kind = KINDS[i % KINDS.length]!;
      const { path, body } = chatRequest(kind, 'Hi', 'claude-fake-gated', i);
      const answer = await httpRequest(proxy.port, 'POST', path, body);
      order.push(answer.status === 503 ? 'refused' : 'answered');
      return { kind, answer };
    });
    await waitFor(() => order.length === 7 || undefined, { message: `7 refusals before any answer; got ${order.join(', ')}` });
    assert.deepEqual(order, Array(7).fill('refused'), 'refused at once, not after waiting');
    await proxy.release();
    const answers = await Promise.all(pending);
    clearInterval(pidTimer);
    const seen = await sampler.stop();
    const served = answers.filter((a) => a.answer.status === 200);
    const refused = answers.filter((a) => a.answer.status === 503);
    t.diagnostic(
      `served ${served.length}, refused ${refused.length}; max active ${seen.active}, queued ${seen.queued}, OS ${seen.osProcesses}`,
    );
    assert.equal(served.length, 5);
    assert.equal(refused.length, 7);
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    for (const { kind, answer } of served) assert.equal(answerText(kind, answer), words);
    for (const { kind, answer } of refused) {
      assert.equal(answer.headers['retry-after'], '5');
      const body = JSON.parse(answer.text);
      assert.equal(body.error.type, 'overloaded_error');
      if (kind.startsWith('anthropic')) assert.equal(body.type, 'error');
      else assert.equal(body.error.code, 'queue_full');
    }
    assert.ok(seen.active <= 2 && seen.running <= 2 && seen.osProcesses <= 2 && maxPidFiles <= 2, JSON.stringify({ ...seen, maxPidFiles }));
    assert.ok(seen.queued <= 3 && seen.healthQueued <= 3, `queue 3, saw ${seen.queued} (/health ${seen.healthQueued})`);
    assert.equal(seen.queued, 3, 'the queue filled');
    await nothingLeft(proxy);
    assert.deepEqual(await liveCliPids(proxy.pidDir), []);
  });
});

/**
 * `count` requests that really are concurrent: every connection is opened first, then all requests
 * are written in one synchronous loop, so they reach the server in one poll of its event loop and
 * the limiter decides them together. (Sent as each connection opens, they interleave with the CLI
 * spawns of the first ones, each of which blocks the loop for milliseconds on a busy machine.) The
 * exact counts do not rest on this: the limiter's clock is frozen in these tests.
 */
async function burst(
  port: number,
  count: number,
  request: (i: number) => { method: string; path: string; body?: unknown },
  localAddress?: string,
): Promise<HttpAnswer[]> {
  const sockets = await Promise.all(
    Array.from({ length: count }, () => {
      const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
      return new Promise<net.Socket>((resolve, reject) => socket.once('connect', () => resolve(socket)).once('error', reject));
    }),
  );
  const answers = sockets.map(
    (socket) =>
      new Promise<HttpAnswer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('error', reject);
        socket.on('close', () => {
          const response = parseRawResponse(Buffer.concat(chunks));
          if (!response) return reject(new Error('no answer'));
          const headers = Object.fromEntries(
            Object.entries(response.headers).map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
          );
          resolve({ status: response.status, headers, text: response.body.toString('utf8') });
        });
      }),
  );
  sockets.forEach((socket, i) => {
    const { method, path, body } = request(i);
    const payload = body === undefined ? '' : JSON.stringify(body);
    const head = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
    if (payload) head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n${payload}`);
  });
  return Promise.all(answers);
}

describe('rate limiter: 60 a minute plus a burst of 10, per client IP', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({
      cliPath: CANNED_CLI,
      env: tagEnv(TAG),
      // The proxy's clock stands still, so no token refills while the 80 are decided, however slow the machine.
      now: () => FROZEN,
      settings: { rateLimit: { requestsPerMinute: 60, burst: 10 }, cli: { maxConcurrent: 16, maxQueue: 200 } },
    });
  });
  after(() => proxy.close());

  function assertExact(client: string, answers: HttpAnswer[], dialect: 'anthropic' | 'openai') {
    const limited = answers.filter((a) => a.status === 429);
    assert.equal(answers.length - limited.length, 70);
    assert.equal(limited.length, 10);
    for (const answer of limited) {
      assert.ok(Number(answer.headers['retry-after']) >= 1);
      assert.equal(answer.headers['x-ratelimit-limit'], '60');
      assert.equal(answer.headers['x-ratelimit-remaining'], '0');
      const body = JSON.parse(answer.text);
      assert.equal(body.error.type, 'rate_limit_error');
      if (dialect === 'anthropic') assert.equal(body.type, 'error');
      else assert.equal(body.error.code, 'rate_limit_exceeded');
    }
    const counters = proxy.proxy.limits().find((c) => c.client === client);
    assert.equal(counters?.allowed, 70);
    assert.equal(counters?.refused, 10, 'every request reached the limiter');
  }

  test('80 concurrent GET /v1/models from one IP: exactly 70 pass, exactly 10 get 429', async () => {
    const answers = await burst(proxy.port, 80, () => ({ method: 'GET', path: '/v1/models' }));
    assertExact('127.0.0.1', answers, 'openai');
    for (const answer of answers.filter((a) => a.status !== 429)) assert.equal(answer.status, 200);
  });

  test(
    '80 concurrent POST /v1/messages from another IP: exactly 70 answered (each its own), exactly 10 get 429',
    { timeout: 300_000 },
    async () => {
      const answers = await burst(proxy.port, 80, (i) => ({ method: 'POST', ...chatRequest('anthropic', `ECHO:burst-${i}`) }), '127.0.0.2');
      assertExact('127.0.0.2', answers, 'anthropic');
      answers.forEach((answer, i) => {
        if (answer.status !== 429) assert.equal(answerText('anthropic', answer), `burst-${i}`);
      });
      // The first client's empty bucket was never this one's.
      assert.equal(proxy.proxy.limits().length, 2);
    },
  );

  test('nothing left behind: no CLI process, /health shows 0 active and 0 queued', async () => {
    await nothingLeft(proxy);
  });
});
