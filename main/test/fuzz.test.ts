import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import {
  CANNED_CLI,
  parseSse,
  rawRequest,
  settledMemory,
  startTestProxy,
  tagEnv,
  taggedProcesses,
  waitFor,
  type RawExchange,
  type TestProxy,
} from './helpers/test-proxy.js';
import { generate, type FuzzCase } from './helpers/fuzz-cases.js';

/**
 * Thousands of generated malformed and hostile requests at every endpoint, written byte for byte
 * on raw sockets, from a seeded PRNG: FUZZ_SEED=<n> replays a run (the seed is printed, and named
 * in every failure), FUZZ_CASES=<n> changes the count. There is no oracle per case: a body that
 * happens to be valid reaches the CLI (the canned sh one, for speed) and answers 200; anything
 * else must be a 4xx JSON error in the shape of the API its path belongs to. Never a 5xx, never a
 * non-JSON error, never a hang, never a crash, never a polluted prototype; some cases also know
 * their exact status. The bugs this fuzz found are pinned by the regression tests at the end.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_c1a0);
const CASES = Number(process.env.FUZZ_CASES ?? 3600);
const MAX_BODY = 256 * 1024;
const TAG = randomUUID();

// ---------------------------------------------------------------- judging one answer

function dialectOf(target: string, headers: readonly string[]): 'anthropic' | 'openai' {
  const path = target.split('?')[0]!.replace(/(.)\/+$/, '$1');
  if (path.startsWith('/openai/') || path.endsWith('/chat/completions') || path.startsWith('/v1/responses')) return 'openai';
  if (path.startsWith('/v1/messages')) return 'anthropic';
  return headers.some((h) => /^(anthropic-version|x-api-key):/i.test(h)) ? 'anthropic' : 'openai';
}

/** A body that is not what its Content-Encoding says: refused (400) before its size is known. */
function corruptCompressed(c: FuzzCase): boolean {
  const encoding = c.headers
    .find((h) => /^content-encoding:/i.test(h))
    ?.slice(17)
    .trim();
  if (encoding !== 'gzip' && encoding !== 'deflate' && encoding !== 'br') return false;
  try {
    (encoding === 'gzip' ? zlib.gunzipSync : encoding === 'deflate' ? zlib.inflateSync : zlib.brotliDecompressSync)(c.payload ?? c.body);
    return false;
  } catch {
    return true;
  }
}

/** Why the answer is wrong, or undefined when it is fine. */
function judge(c: FuzzCase, exchange: RawExchange): string | undefined {
  if (exchange.timedOut) return 'no answer within the time limit (hang)';
  const res = exchange.response;
  if (!res) return c.cutAt !== undefined ? undefined : `no parseable answer (${exchange.error ?? 'closed'})`;
  if (res.status !== 200 && !(res.status >= 400 && res.status < 500)) return `status ${res.status}`;
  const expected = c.expect === 413 && corruptCompressed(c) ? 400 : c.expect;
  if (expected !== undefined && res.status !== expected) return `status ${res.status}, expected ${expected}`;
  if (res.headers['access-control-allow-origin']) return 'sent Access-Control-Allow-Origin with no allowed origins';
  // No body to judge: HEAD, an OPTIONS answered by the router, or a client that hung up mid-answer.
  if (c.method === 'HEAD' || (c.method === 'OPTIONS' && res.status === 200) || c.cutAt !== undefined) return undefined;
  const type = res.headers['content-type']?.[0] ?? '';
  const text = res.body.toString('utf8');
  if (res.status === 200) {
    if (type.startsWith('text/event-stream')) {
      const events = parseSse(text);
      const last = events.at(-1);
      const ok = c.target.includes('/responses')
        ? ['response.completed', 'response.incomplete'].includes(last?.event ?? '')
        : dialectOf(c.target, []) === 'openai'
          ? last?.data === '[DONE]'
          : last?.event === 'message_stop';
      return ok ? undefined : `stream ended with ${JSON.stringify(events.at(-1))}`;
    }
    try {
      JSON.parse(text);
      return undefined;
    } catch {
      return `200 with a non-JSON body: ${text.slice(0, 120)}`;
    }
  }
  if (!type.startsWith('application/json')) return `${res.status} with Content-Type ${type || 'none'}: ${text.slice(0, 120)}`;
  let body: { type?: unknown; error?: { type?: unknown; message?: unknown; code?: unknown; param?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    return `${res.status} with a body that is not JSON: ${text.slice(0, 120)}`;
  }
  const error = body.error;
  if (typeof error?.message !== 'string' || typeof error.type !== 'string')
    return `${res.status} without error.type/message: ${text.slice(0, 200)}`;
  const dialect = dialectOf(c.target, c.headers);
  if (dialect === 'anthropic' && (body.type !== 'error' || Object.keys(body).length !== 2))
    return `not the Anthropic error shape: ${text.slice(0, 200)}`;
  if (dialect === 'openai' && (body.type !== undefined || !('code' in error) || !('param' in error)))
    return `not the OpenAI error shape: ${text.slice(0, 200)}`;
  return undefined;
}

function headFor(c: FuzzCase, port: number): string[] {
  const head = [`${c.method} ${c.target} HTTP/1.1`, `Host: ${c.hostHeader ?? `127.0.0.1:${port}`}`, 'Connection: close', ...c.headers];
  if (!c.ownFraming && (c.body.length > 0 || c.method === 'POST')) head.push(`Content-Length: ${c.body.length}`);
  return head;
}

function describeCase(c: FuzzCase, port: number): string {
  const preview = c.body
    .subarray(0, 240)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `#${c.id} [${c.family}] ${headFor(c, port).join(' | ')} | body ${c.body.length} B${c.cutAt !== undefined ? ` cut at ${c.cutAt}` : ''}: ${preview}`;
}

async function runCases(proxy: TestProxy, cases: readonly FuzzCase[], concurrency: number) {
  const failures: string[] = [];
  const statuses = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const exchange = await rawRequest(proxy.port, headFor(c, proxy.port), c.body, {
          timeoutMs: 15_000,
          ...(c.cutAt !== undefined ? { cutAt: c.cutAt } : {}),
        });
        const key = String(exchange.response?.status ?? (c.cutAt !== undefined ? 'cut' : 'none'));
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        const wrong = judge(c, exchange);
        if (wrong && failures.length < 25) failures.push(`${wrong}\n    ${describeCase(c, proxy.port)}`);
      }
    }),
  );
  return { failures, statuses };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function servesAfterwards(proxy: TestProxy) {
  const health = await rawRequest(proxy.port, ['GET /health HTTP/1.1', `Host: 127.0.0.1:${proxy.port}`, 'Connection: close']);
  assert.equal(health.response?.status, 200);
  const body = JSON.stringify({ model: 'sonnet', max_tokens: 16, messages: [{ role: 'user', content: 'ECHO:still-here' }] });
  const head = [
    'POST /v1/messages HTTP/1.1',
    `Host: 127.0.0.1:${proxy.port}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
  ];
  const answer = await rawRequest(proxy.port, head, body);
  assert.equal(answer.response?.status, 200);
  assert.equal(JSON.parse(answer.response.body.toString()).content[0].text, 'still-here');
}

// ---------------------------------------------------------------- the storm

describe(`fuzz: ${CASES} generated hostile requests (seed ${SEED}; replay with FUZZ_SEED=${SEED})`, () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({
      cliPath: CANNED_CLI,
      env: tagEnv(TAG),
      settings: {
        maxBodyBytes: MAX_BODY,
        rateLimit: { requestsPerMinute: 100_000, burst: 100_000 },
        cli: { maxConcurrent: 8, maxQueue: 10_000, queueTimeoutMs: 30_000, killGraceMs: 500 },
      },
    });
  });
  after(() => proxy.close());

  test(
    'every answer is a 200 or a 4xx in its API shape; no crash, no pollution, no leak; memory back near baseline',
    { timeout: 600_000 },
    async (t) => {
      const cases = generate(SEED, CASES, proxy.port, MAX_BODY);
      const warmUp = Math.floor(cases.length / 10);
      const started = Date.now();
      const first = await runCases(proxy, cases.slice(0, warmUp), 16);
      const baseline = await settledMemory();
      const rest = await runCases(proxy, cases.slice(warmUp), 16);
      const elapsed = Date.now() - started;

      const failures = [...first.failures, ...rest.failures];
      const statuses = new Map(first.statuses);
      for (const [key, n] of rest.statuses) statuses.set(key, (statuses.get(key) ?? 0) + n);
      const families = new Map<string, number>();
      for (const c of cases) families.set(c.family.split('-')[0]!, (families.get(c.family.split('-')[0]!) ?? 0) + 1);
      t.diagnostic(
        `seed ${SEED}: ${cases.length} cases in ${elapsed} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
      );
      t.diagnostic(`families ${JSON.stringify(Object.fromEntries(families))}`);
      assert.deepEqual(failures, [], `seed ${SEED} (replay with FUZZ_SEED=${SEED}): ${failures.length}+ bad answers`);
      assert.ok((statuses.get('200') ?? 0) > 100, 'some generated bodies were valid and reached the CLI');

      // Nothing escaped into the prototypes of the process hosting the proxy.
      assert.equal(({} as { polluted?: unknown }).polluted, undefined);
      assert.deepEqual(Object.keys(Object.prototype), []);
      assert.equal(([] as unknown as { polluted?: unknown }).polluted, undefined);

      // Every request finished: no CLI child, nothing in flight, nothing stuck "in progress" in the log.
      await waitFor(async () => ((await taggedProcesses(TAG)).length === 0 && proxy.proxy.stats().cliProcesses === 0) || undefined);
      await waitFor(() => proxy.proxy.stats().inflight === 0 || undefined);
      await waitFor(() => proxy.proxy.requests().every((r) => r.state !== 'in_progress') || undefined);
      await servesAfterwards(proxy);

      const end = await settledMemory();
      t.diagnostic(`heapUsed ${mb(baseline.heapUsed)} → ${mb(end.heapUsed)}, rss ${mb(baseline.rss)} → ${mb(end.rss)}`);
      assert.ok(end.heapUsed - baseline.heapUsed < 50 * 1024 * 1024, `heap grew from ${mb(baseline.heapUsed)} to ${mb(end.heapUsed)}`);
    },
  );
});

// ---------------------------------------------------------------- requests the HTTP parser refuses

/** Refused by Node's HTTP parser before the app sees them: the app cannot choose their shape. */
const PROTOCOL_ERRORS: [name: string, head: (port: number) => string[], body?: string][] = [
  ['HTTP/1.1 without Host', () => ['GET /v1/models HTTP/1.1', 'Connection: close']],
  [
    'headers over 16 KB',
    (port) => ['GET /v1/models HTTP/1.1', `Host: 127.0.0.1:${port}`, `X-Big: ${'a'.repeat(20_000)}`, 'Connection: close'],
  ],
  ['an unknown method', (port) => ['BREW /v1/models HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Connection: close']],
  ['a garbage request line', () => ['HELLO\u0001 THERE']],
  ['a space in the request target', (port) => ['GET /v1/mod els HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Connection: close']],
  [
    'a control character in a header value',
    (port) => ['GET /v1/models HTTP/1.1', `Host: 127.0.0.1:${port}`, 'X-A: a\u0001b', 'Connection: close'],
  ],
  [
    'a bad chunk size',
    (port) => [
      'POST /v1/messages HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
      'Connection: close',
    ],
    'zz\r\n{}\r\n0\r\n\r\n',
  ],
  [
    'Content-Length and Transfer-Encoding together',
    (port) => [
      'POST /v1/messages HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Content-Type: application/json',
      'Content-Length: 4',
      'Transfer-Encoding: chunked',
      'Connection: close',
    ],
    '2\r\n{}\r\n0\r\n\r\n',
  ],
  [
    'two different Content-Lengths',
    (port) => [
      'POST /v1/messages HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Content-Type: application/json',
      'Content-Length: 2',
      'Content-Length: 3',
      'Connection: close',
    ],
    '{}',
  ],
  [
    'an Expect Node does not know',
    (port) => [
      'POST /v1/messages HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Content-Type: application/json',
      'Content-Length: 2',
      'Expect: teapot',
      'Connection: close',
    ],
    '{}',
  ],
];

describe('malformed HTTP: answered 4xx by the parser, and the proxy lives on', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({
      cliPath: CANNED_CLI,
      env: tagEnv(TAG),
      settings: { rateLimit: { requestsPerMinute: 100_000, burst: 100_000 } },
    });
  });
  after(() => proxy.close());

  for (const [name, head, body] of PROTOCOL_ERRORS) {
    test(name, async () => {
      const { response, timedOut } = await rawRequest(proxy.port, head(proxy.port), body ?? '');
      assert.equal(timedOut, false);
      assert.ok(response && response.status >= 400 && response.status < 500, `status ${response?.status}`);
      await servesAfterwards(proxy);
    });
  }

  // Node's default clientError handler answers with a bare status line. ServerController could own the
  // parser's refusals (`server.on('clientError', …)`) and write the API's JSON error, as every other 4xx has.
  test('… and in the JSON error shape like every other 4xx', async () => {
    for (const [name, head, body] of PROTOCOL_ERRORS) {
      const { response } = await rawRequest(proxy.port, head(proxy.port), body ?? '');
      assert.match(response?.headers['content-type']?.[0] ?? '', /^application\/json/, name);
      assert.equal(typeof JSON.parse(response!.body.toString()).error.message, 'string', name);
    }
  });
});

// ---------------------------------------------------------------- regressions: bugs this fuzz found, fixed

describe('regressions: bugs the fuzz found', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({
      cliPath: CANNED_CLI,
      env: tagEnv(TAG),
      settings: { rateLimit: { requestsPerMinute: 100_000, burst: 100_000 } },
    });
  });
  after(() => proxy.close());

  const send = (path: string, body: Buffer | string, headers: string[] = []) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const head = [
      `POST ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${proxy.port}`,
      'Connection: close',
      'Content-Type: application/json',
      `Content-Length: ${bytes.length}`,
      ...headers,
    ];
    return rawRequest(proxy.port, head, bytes);
  };
  const notServerError = (status: number | undefined, what: string) =>
    assert.ok(status !== undefined && (status === 200 || (status >= 400 && status < 500)), `${what}: status ${status}`);

  test('a tool_use block whose input nests 10,000 deep is served or refused, not a 500', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    for (const path of ['/v1/messages', '/v1/messages/count_tokens', '/v1/chat/completions']) {
      const body = `{"model":"sonnet","max_tokens":8,"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"n","input":${deep}}]}]}`;
      notServerError((await send(path, body)).response?.status, path);
    }
  });

  test('a body that is not what its Content-Encoding says is a 400, not a 500', async () => {
    const json = '{"model":"sonnet","max_tokens":8,"messages":[{"role":"user","content":"ECHO:x"}]}';
    for (const [encoding, body] of [
      ['gzip', Buffer.from(json)],
      ['gzip', zlib.gzipSync(json).subarray(0, 12)],
      ['gzip', Buffer.alloc(0)],
      ['deflate', Buffer.from('hello')],
      ['br', Buffer.from('hello')],
    ] as const) {
      const { response } = await send('/v1/messages', body, [`Content-Encoding: ${encoding}`]);
      assert.equal(response?.status, 400, `${encoding} with ${body.length} bytes: ${response?.body.toString()}`);
    }
  });

  test('an unknown key the X-Claude-Proxy-Ignored header cannot carry does not fail the request or the client', async () => {
    for (const key of ['😀', 'a\nb', 'a\u0000b', 'k'.repeat(20_000)]) {
      const body = JSON.stringify({ model: 'sonnet', max_tokens: 8, messages: [{ role: 'user', content: 'ECHO:x' }], [key]: 1 });
      for (const path of ['/v1/messages', '/v1/chat/completions']) {
        const { response } = await send(path, body);
        assert.equal(response?.status, 200, `${path} with key ${JSON.stringify(key.slice(0, 10))}`);
        const header = response.headers['x-claude-proxy-ignored']?.[0] ?? '';
        assert.ok(header.length < 4096, `X-Claude-Proxy-Ignored is ${header.length} bytes`);
      }
    }
  });

  test('the OpenAI route with a trailing slash answers errors in the OpenAI shape', async () => {
    const head = [
      `POST /v1/chat/completions/ HTTP/1.1`,
      `Host: 127.0.0.1:${proxy.port}`,
      'Connection: close',
      'Content-Type: text/plain',
      'x-api-key: k',
      'Content-Length: 2',
    ];
    const { response } = await rawRequest(proxy.port, head, '{}');
    assert.equal(response?.status, 415);
    const body = JSON.parse(response.body.toString());
    assert.equal(body.type, undefined, JSON.stringify(body));
    assert.equal(body.error.code, 'unsupported_media_type');
  });
});
