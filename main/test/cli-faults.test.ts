import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { liveCliPids, parseSse, postJson, startTestProxy, waitFor, type TestProxy } from './helpers/test-proxy.js';

const ask = (model: string, extra: object = {}) => ({ model, max_tokens: 200, messages: [{ role: 'user', content: 'Hi' }], ...extra });

/** The response may be written a few ms before the child's exit is reaped; the exit must follow. */
async function noProcessLeft(proxy: TestProxy) {
  await waitFor(async () => ((await liveCliPids(proxy.pidDir)).length === 0 && proxy.proxy.stats().cliProcesses === 0) || undefined, {
    message: 'every CLI process ended',
  });
}

describe('CLI failures become the right HTTP answers', () => {
  let proxy: TestProxy;
  before(async () => {
    // Default time limits: a small idle limit here would also end a CLI that is merely slow to start on a busy machine.
    proxy = await startTestProxy({ settings: { cli: { killGraceMs: 300 } } });
  });
  after(() => proxy.close());

  const cases: [scenario: string, status: number, type: string, code?: string][] = [
    ['fake-nologin', 401, 'authentication_error', 'not_logged_in'],
    ['fake-401', 401, 'authentication_error', 'not_logged_in'],
    ['fake-403', 403, 'permission_error'],
    ['fake-404', 404, 'not_found_error', 'model_not_found'],
    ['fake-400', 400, 'invalid_request_error'],
    ['fake-429', 429, 'rate_limit_error', 'upstream_rate_limit'],
    ['fake-529', 529, 'overloaded_error'],
    ['fake-500', 502, 'api_error'],
    ['fake-crash-start', 502, 'api_error', 'cli_crashed'],
    ['fake-garbage-only', 502, 'api_error', 'cli_crashed'],
  ];
  for (const [scenario, status, type, code] of cases) {
    test(`${scenario} → ${status} ${type}`, async () => {
      const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-sonnet-4-5'), {}, undefined);
      await res.text();
      const anthropic = await postJson(`${proxy.url}/v1/messages`, ask(`claude-${scenario}`));
      const body = await anthropic.json();
      assert.equal(anthropic.status, status, JSON.stringify(body));
      assert.equal(body.error.type, type);
      const openai = await postJson(`${proxy.url}/v1/chat/completions`, ask(`claude-${scenario}`, { stream: true }));
      const openaiBody = await openai.json();
      // 529 is Anthropic's own status; OpenAI clients get 503 for the same overload.
      assert.equal(openai.status, status === 529 ? 503 : status, 'a failure before any output keeps its HTTP status when streaming');
      if (code) assert.equal(openaiBody.error.code, code);
      await noProcessLeft(proxy);
    });
  }

  test('the not-logged-in message says to run claude and log in, and /health shows it', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-nologin'));
    assert.match((await res.json()).error.message, /run `claude`.*log in/);
    const health = await (await fetch(`${proxy.url}/health`)).json();
    assert.equal(health.status, 'degraded');
    assert.match(health.cli.last_auth_failure.message, /log in/);
    await (await postJson(`${proxy.url}/v1/messages`, ask('sonnet'))).text();
    assert.equal((await (await fetch(`${proxy.url}/health`)).json()).cli.last_auth_failure, null, 'a good turn clears it');
  });

  test('a subscription usage limit is a 429 with Retry-After from resetsAt', async () => {
    const res = await postJson(`${proxy.url}/v1/chat/completions`, ask('claude-fake-limit'));
    assert.equal(res.status, 429);
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(retryAfter > 3500 && retryAfter <= 3600, String(retryAfter));
    assert.equal((await res.json()).error.code, 'usage_limit_reached');
  });

  test('a crash mid-stream becomes an error event and the stream ends cleanly', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-crash-mid', { stream: true }));
    assert.equal(res.status, 200);
    const events = parseSse(await res.text());
    const last = events.at(-1)!;
    assert.equal(last.event, 'error');
    assert.equal(JSON.parse(last.data).error.type, 'api_error');
    assert.ok(events.some((e) => e.event === 'content_block_delta'));
    const openai = parseSse(
      await (await postJson(`${proxy.url}/v1/chat/completions`, ask('claude-fake-crash-mid', { stream: true }))).text(),
    );
    assert.ok(JSON.parse(openai.at(-1)!.data).error.message.length > 0);
    await noProcessLeft(proxy);
  });

  test('a crash after the result still answers (the result is what counts)', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-crash-after'));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).content[0].text, 'Hello from the fake CLI.');
  });

  test('garbage lines and unknown types are skipped', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-garbage'));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).content[0].text, 'Hello from the fake CLI.');
  });

  test('an over-long line is dropped without holding it in memory, and the turn still succeeds', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-longline'));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).content[0].text, 'Hello from the fake CLI.');
  });

  test('a mid-stream API retry does not send the repeated text twice', async () => {
    const events = parseSse(await (await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-midstream', { stream: true }))).text());
    const text = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => JSON.parse(e.data).delta.text)
      .join('');
    assert.equal(text, 'Hello from the fake CLI.');
    assert.equal(events.filter((e) => e.event === 'content_block_start').length, 1);
    assert.equal(events.filter((e) => e.event === 'content_block_stop').length, 1);
  });

  test('a model fallback still answers', async () => {
    const res = await postJson(`${proxy.url}/v1/chat/completions`, ask('claude-fake-fallback'));
    assert.equal(res.status, 200);
    assert.ok((await res.json()).choices[0].message.content.length > 0);
  });
});

describe('the idle limit', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ settings: { cli: { idleTimeoutMs: 300, killGraceMs: 300 } } });
  });
  after(() => proxy.close());

  test('a CLI that hangs silently is ended by the idle timeout: 504', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-hang-silent'));
    assert.equal(res.status, 504);
    const body = await res.json();
    assert.equal(body.error.type, 'timeout_error');
    assert.match(body.error.message, /sent nothing/);
    await noProcessLeft(proxy);
  });
});

describe('ending CLI processes', () => {
  let proxy: TestProxy;
  let argvLog: string;
  before(async () => {
    proxy = await startTestProxy({ settings: { cli: { maxConcurrent: 2, maxQueue: 1, queueTimeoutMs: 20_000, killGraceMs: 500 } } });
    argvLog = path.join(proxy.dataDir, 'argv.jsonl');
  });
  after(() => proxy.close());

  test('a stop sequence cuts the text, reports it, and ends the CLI', async () => {
    // The fake stops at its gate right after the stop sequence and is never let go: an answer proves
    // the proxy did not wait for the rest, and the empty pid directory that it ended the CLI.
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-stop', { stop_sequences: ['STOP'] }));
    const body = await res.json();
    assert.equal(body.content[0].text, 'alpha beta ');
    assert.equal(body.stop_reason, 'stop_sequence');
    assert.equal(body.stop_sequence, 'STOP');
    await noProcessLeft(proxy);
    const openai = await postJson(`${proxy.url}/v1/chat/completions`, ask('claude-fake-stop', { stop: 'STOP', stream: true }));
    const chunks = parseSse(await openai.text())
      .slice(0, -1)
      .map((e) => JSON.parse(e.data));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'alpha beta ');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
  });

  test('max_tokens reaches the CLI as CLAUDE_CODE_MAX_OUTPUT_TOKENS and ends with max_tokens / length', async () => {
    const anthropic = await postJson(`${proxy.url}/v1/messages`, {
      model: 'sonnet',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'ECHO:one two three four five' }],
    });
    const body = await anthropic.json();
    assert.equal(body.stop_reason, 'max_tokens');
    assert.equal(body.content[0].text, 'one two');
    const openai = await postJson(`${proxy.url}/v1/chat/completions`, {
      model: 'sonnet',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'ECHO:one two three four five' }],
    });
    const completion = await openai.json();
    assert.equal(completion.choices[0].finish_reason, 'length');
    assert.equal(completion.choices[0].message.content, 'one two three');
    await noProcessLeft(proxy);
  });

  test('the prompt goes on stdin, never argv; flags, env and cwd are as the contract says', async () => {
    await proxy.proxy.apply({ ...proxy.proxy.currentSettings });
    const secret = 'ECHO:prompt-text-that-must-not-be-on-argv';
    const local = await startTestProxy({ env: { FAKE_CLAUDE_ARGV_LOG: argvLog, NODE_OPTIONS: '--inspect=0' } });
    try {
      const res = await postJson(`${local.url}/v1/messages`, {
        model: 'claude-3-5-sonnet-20241022',
        max_tokens: 321,
        system: 'Be brief.',
        messages: [{ role: 'user', content: secret }],
      });
      assert.equal(res.status, 200);
      await res.text();
      const entry = JSON.parse((await readFile(argvLog, 'utf8')).trim().split('\n').at(-1)!);
      assert.ok(!entry.argv.join(' ').includes('prompt-text'), 'prompt not in argv');
      assert.ok(!entry.argv.join(' ').includes('Be brief'), 'system prompt not in argv');
      for (const flag of [
        '-p',
        '--output-format=stream-json',
        '--verbose',
        '--include-partial-messages',
        '--input-format=stream-json',
        '--model=claude-3-5-sonnet-20241022',
        '--tools=',
        '--max-turns=1',
        '--setting-sources=',
        '--strict-mcp-config',
        '--no-session-persistence',
        '--permission-mode=dontAsk',
      ]) {
        assert.ok(entry.argv.includes(flag), flag);
      }
      assert.equal(entry.env.CLAUDE_CODE_MAX_OUTPUT_TOKENS, '321');
      assert.equal(entry.env.NODE_OPTIONS, null);
      assert.equal(entry.env.BUN_ENABLE_CRASH_REPORTING, '0');
      assert.equal(entry.env.DISABLE_TELEMETRY, '1');
      assert.equal(entry.env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, '1');
      assert.equal(entry.env.CLAUDE_CODE_MAX_RETRIES, '2');
      assert.equal(entry.cwd, path.join(local.dataDir, 'cli-workdir'));
      const [init, user] = entry.stdinLines.map((l: string) => JSON.parse(l));
      assert.deepEqual(init.request, { subtype: 'initialize', systemPrompt: ['Be brief.'] });
      // A string prompt stays a string, as the client sent it.
      assert.equal(user.message.content, secret);
    } finally {
      await local.close();
    }
  });

  test('a client that disconnects mid-stream ends its CLI process', async () => {
    const controller = new AbortController();
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-gated', { stream: true }), {}, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    const pids = await waitFor(async () => {
      const live = await liveCliPids(proxy.pidDir);
      return live.length > 0 ? live : undefined;
    });
    controller.abort();
    await noProcessLeft(proxy);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0));
    await waitFor(() => proxy.proxy.requests().some((r) => r.state === 'cancelled') || undefined);
  });

  test('the cap holds: extra requests queue, past the queue 503 with Retry-After, and a queued client can leave', async () => {
    const controllers = [new AbortController(), new AbortController()];
    const running = controllers.map((c) => postJson(`${proxy.url}/v1/messages`, ask('claude-fake-gated', { stream: true }), {}, c.signal));
    await waitFor(async () => ((await liveCliPids(proxy.pidDir)).length === 2 ? true : undefined));
    const queuedAbort = new AbortController();
    const queued = postJson(`${proxy.url}/v1/messages`, ask('sonnet'), {}, queuedAbort.signal).catch((e: Error) => e);
    await waitFor(async () => ((await (await fetch(`${proxy.url}/health`)).json()).processes.queued === 1 ? true : undefined));
    const refused = await postJson(`${proxy.url}/v1/messages`, ask('sonnet'));
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.equal((await refused.json()).error.type, 'overloaded_error');
    assert.equal((await liveCliPids(proxy.pidDir)).length, 2, 'never more than the cap');
    queuedAbort.abort();
    assert.ok((await queued) instanceof Error);
    await waitFor(async () => ((await (await fetch(`${proxy.url}/health`)).json()).processes.queued === 0 ? true : undefined));
    for (const c of controllers) c.abort();
    await Promise.allSettled(running);
    await noProcessLeft(proxy);
  });

  test('stopping the server with requests in flight ends every CLI process', async () => {
    const local = await startTestProxy();
    const responses = [1, 2, 3].map(() => postJson(`${local.url}/v1/messages`, ask('claude-fake-gated', { stream: true })));
    await waitFor(async () => ((await liveCliPids(local.pidDir)).length === 3 ? true : undefined));
    const pids = await liveCliPids(local.pidDir);
    await local.proxy.stop();
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), `pid ${pid} still alive`);
    const settled = await Promise.allSettled(responses.map(async (r) => (await r).text()));
    assert.equal(settled.length, 3);
    await local.close();
  });
});

describe('the per-request time limit', () => {
  // The gated fake streams its first word at once and then waits for a release that never comes, so
  // the limit always fires mid-answer. It counts from the spawn, so it must leave room for a slow start.
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ settings: { cli: { requestTimeoutMs: 5_000, killGraceMs: 300 } } });
  });
  after(() => proxy.close());

  test('a turn still streaming at the limit ends with a timeout error event, and its CLI is ended', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-gated', { stream: true }));
    assert.equal(res.status, 200, 'the CLI streamed before the limit (if not, it took over 5 s to start)');
    const events = parseSse(await res.text());
    assert.ok(
      events.some((e) => e.event === 'content_block_delta'),
      'it had started',
    );
    assert.equal(events.at(-1)!.event, 'error');
    assert.equal(JSON.parse(events.at(-1)!.data).error.type, 'timeout_error');
    await noProcessLeft(proxy);
  });

  test('a whole answer not ready at the limit is a 504', async () => {
    const res = await postJson(`${proxy.url}/v1/chat/completions`, ask('claude-fake-gated'));
    assert.equal(res.status, 504);
    assert.equal((await res.json()).error.code, 'request_timeout');
    await noProcessLeft(proxy);
  });
});

describe('a missing CLI', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ cliPath: '/nonexistent/claude' });
  });
  after(() => proxy.close());

  test('answers 503 with how to install it, and /health says unavailable', async () => {
    const res = await postJson(`${proxy.url}/v1/chat/completions`, ask('sonnet'));
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.match(body.error.message, /npm install -g @anthropic-ai\/claude-code/);
    const health = await (await fetch(`${proxy.url}/health`)).json();
    assert.equal(health.status, 'unavailable');
    assert.equal(health.cli.available, false);
    assert.match(health.cli.problem, /not found/);
  });
});
