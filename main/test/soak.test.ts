import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  CANNED_CLI,
  httpRequest,
  parseSse,
  settledMemory,
  startTestProxy,
  tagEnv,
  taggedProcesses,
  waitFor,
  type HttpAnswer,
  type TestProxy,
} from './helpers/test-proxy.js';

/**
 * A soak: thousands of requests through one proxy, both APIs, streaming and not, 8 at a time on
 * keep-alive connections, each answer checked to be its own. Afterwards the proxy's memory must be
 * flat (RSS and heap reported at start, middle and end), and its handles, timers and listeners
 * back to where they were. It drives the canned sh CLI, not the Node fake: a fake turn costs
 * ~100 ms of CPU, so 2,000 of them would not fit in a minute on two cores; what is soaked here is
 * the proxy, and it runs the same path (spawn, stdin, stream-json, translation, exit) for both.
 * SOAK_REQUESTS=<n> changes the count.
 */

const TAG = randomUUID();
const TOTAL = Number(process.env.SOAK_REQUESTS ?? 2400);
const CONCURRENCY = 8;
const MB = 1024 * 1024;

type Kind = 'anthropic' | 'anthropic-stream' | 'openai' | 'openai-stream';
const KINDS: Kind[] = ['anthropic', 'openai-stream', 'openai', 'anthropic-stream'];

async function ask(port: number, agent: http.Agent, i: number): Promise<void> {
  const kind = KINDS[i % KINDS.length]!;
  const stream = kind.endsWith('stream');
  const text = `soak-${i}`;
  const messages = [{ role: 'user', content: `ECHO:${text}` }];
  const answer = kind.startsWith('anthropic')
    ? await httpRequest(port, 'POST', '/v1/messages', { model: 'sonnet', max_tokens: 64, stream, messages }, { agent })
    : await httpRequest(
        port,
        'POST',
        i % 8 < 4 ? '/v1/chat/completions' : '/openai/v1/chat/completions',
        { model: 'sonnet', stream, messages },
        { agent },
      );
  assert.equal(answer.status, 200, `request ${i}: ${answer.text.slice(0, 200)}`);
  assert.equal(textOf(kind, answer), text, `request ${i} (${kind}) got someone else's answer`);
}

function textOf(kind: Kind, answer: HttpAnswer): string {
  if (kind === 'anthropic') return JSON.parse(answer.text).content[0].text;
  if (kind === 'openai') return JSON.parse(answer.text).choices[0].message.content;
  const events = parseSse(answer.text);
  if (kind === 'anthropic-stream') {
    assert.equal(events.at(-1)?.event, 'message_stop');
    return events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => JSON.parse(e.data).delta.text)
      .join('');
  }
  assert.equal(events.at(-1)?.data, '[DONE]');
  return events
    .slice(0, -1)
    .map((e) => JSON.parse(e.data).choices[0]?.delta?.content ?? '')
    .join('');
}

/** Runs requests [from, to) with CONCURRENCY in flight, on one keep-alive agent. */
async function run(port: number, agent: http.Agent, from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) await ask(port, agent, next++);
    }),
  );
}

function countBy(items: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

/** Everything that should return to its baseline once no request is in flight and no client is connected. */
function footprint(proxy: TestProxy) {
  const stats = proxy.proxy.stats();
  const listeners = (emitter: NodeJS.EventEmitter | undefined, events: string[]) =>
    Object.fromEntries(events.map((e) => [e, emitter?.listenerCount(e) ?? -1]));
  return {
    resources: countBy(process.getActiveResourcesInfo()),
    requestLog: stats.listeners.requestLog,
    controller: stats.listeners.controller,
    httpServer: stats.listeners.httpServer,
    process: listeners(process, ['exit', 'SIGINT', 'SIGTERM', 'uncaughtException', 'unhandledRejection', 'warning', 'beforeExit']),
    inflight: stats.inflight,
    children: stats.cliProcesses,
    trackedClients: stats.trackedClients,
  };
}

/** Resources that only exist while something is in flight or closing (a socket mid-close shows up as a CloseReq). */
const PASSING = new Set([
  'CloseReq',
  'ShutdownWrap',
  'WriteWrap',
  'TCPSocketWrap',
  'TCPWRAP',
  'ProcessWrap',
  'FSReqCallback',
  'FSReqPromise',
  'Immediate',
  'GetAddrInfoReqWrap',
]);

/** The footprint at rest: waited for (with a deadline) until nothing in it is on its way out. */
async function restingFootprint(proxy: TestProxy) {
  let last = footprint(proxy);
  await waitFor(
    () => {
      last = footprint(proxy);
      return Object.keys(last.resources).every((kind) => !PASSING.has(kind)) || undefined;
    },
    { message: 'no socket, child or request still closing' },
  ).catch(() => undefined); // compared below, where a difference shows what is left
  return last;
}

/** Waits (with a deadline) until the footprint is back to `baseline`, and returns the last one seen. */
async function footprintBackTo(proxy: TestProxy, baseline: ReturnType<typeof footprint>) {
  let last = footprint(proxy);
  await waitFor(() => isDeepStrictEqual((last = footprint(proxy)), baseline) || undefined).catch(() => undefined);
  return last;
}

function connections(proxy: TestProxy): Promise<number> {
  return proxy.proxy.connections();
}

/** No request in flight, no child, no client socket: the state a footprint is compared in. */
async function quiet(proxy: TestProxy, agent: http.Agent) {
  agent.destroy();
  await waitFor(async () => ((await connections(proxy)) === 0 && (await taggedProcesses(TAG)).length === 0) || undefined);
  await waitFor(() => (proxy.proxy.stats().inflight === 0 && proxy.proxy.stats().cliProcesses === 0) || undefined);
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

describe(`soak: ${TOTAL} requests through the canned CLI, ${CONCURRENCY} at a time`, () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({
      cliPath: CANNED_CLI,
      env: tagEnv(TAG),
      settings: { rateLimit: { requestsPerMinute: 100_000, burst: 100_000 }, cli: { maxConcurrent: 4, maxQueue: 64 } },
    });
  });
  after(() => proxy.close());

  test('memory stays flat; handles, timers and listeners return to baseline', { timeout: 600_000 }, async (t) => {
    // Warm up (lazy modules, the CLI workdir, history file, JIT), then take the baseline at rest.
    const warmAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    await run(proxy.port, warmAgent, 0, 100);
    await quiet(proxy, warmAgent);
    const start = await settledMemory();
    const before = await restingFootprint(proxy);

    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const began = Date.now();
    const half = 100 + Math.floor(TOTAL / 2);
    await run(proxy.port, agent, 100, half);
    const middle = await settledMemory();
    await run(proxy.port, agent, half, 100 + TOTAL);
    const elapsed = Date.now() - began;
    await quiet(proxy, agent);
    const end = await settledMemory();
    const afterwards = await footprintBackTo(proxy, before);

    t.diagnostic(`${TOTAL} requests in ${elapsed} ms (${Math.round((TOTAL * 1000) / elapsed)}/s), plus 100 warm-up`);
    t.diagnostic(`rss      start ${mb(start.rss)}, middle ${mb(middle.rss)}, end ${mb(end.rss)}`);
    t.diagnostic(`heapUsed start ${mb(start.heapUsed)}, middle ${mb(middle.heapUsed)}, end ${mb(end.heapUsed)}`);
    t.diagnostic(`resources ${JSON.stringify(afterwards.resources)}; request log ${proxy.proxy.requests().length} records`);

    assert.ok(end.heapUsed <= middle.heapUsed + 30 * MB, `heap grew from ${mb(middle.heapUsed)} (middle) to ${mb(end.heapUsed)} (end)`);
    assert.ok(end.heapUsed <= start.heapUsed + 50 * MB, `heap grew from ${mb(start.heapUsed)} (start) to ${mb(end.heapUsed)} (end)`);
    assert.deepEqual(afterwards, before);
    assert.ok(proxy.proxy.requests().length <= 1000, 'the request log is bounded');
    assert.ok(proxy.proxy.requests().every((record) => record.state === 'done' && record.status === 200));
  });
});
