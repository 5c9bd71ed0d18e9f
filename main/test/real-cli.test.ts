import Anthropic, { APIError } from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockAnthropicApi, type MockApi, type MockApiRequest } from './fixtures/mock-anthropic-api.js';
import { realCliEnv, realCliPath } from './fixtures/real-cli.js';
import { parseSse, postJson, startTestProxy, waitFor, waitForExit, type TestProxy } from './helpers/test-proxy.js';

/**
 * The real `claude` CLI (@anthropic-ai/claude-code, pinned) end to end: the
 * proxy drives it with its real flags, and the CLI talks to a loopback mock of
 * the Messages API, so its real stream-json and real error lines are exercised.
 */

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function lastMessagesCall(mock: MockApi): MockApiRequest {
  return mock.requests.filter((r) => r.path === '/v1/messages').at(-1)!;
}

function systemTexts(call: MockApiRequest): string[] {
  const system = call.body.system;
  return typeof system === 'string' ? [system] : (system ?? []).map((block: { text: string }) => block.text);
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return (content as { type: string; text?: string }[]).map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');
}

describe('the real Claude CLI through the proxy', { timeout: 600_000 }, () => {
  let mock: MockApi;
  let home: string;
  let proxy: TestProxy;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    // `claude-mock-slow` sends its first word at once and the next one after ten minutes: a stream that
    // is still running whenever the test acts on it.
    mock = await startMockAnthropicApi({ tokenDelayMs: 600_000 });
    home = await mkdtemp(path.join(tmpdir(), 'ccp-real-home-'));
    // The warm pool is on, as it is by default: requests are served by processes started ahead of them.
    proxy = await startTestProxy({ cliPath: realCliPath, env: realCliEnv(mock.url, home), settings: { pool: { enabled: true } } });
    openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'dummy', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'dummy', maxRetries: 0 });
  });
  after(async () => {
    await proxy.close();
    await mock.close();
    await rm(home, { recursive: true, force: true });
  });

  test('/health finds the real CLI and its version', async () => {
    const health = await (await fetch(`${proxy.url}/health`)).json();
    assert.equal(health.status, 'healthy');
    assert.equal(health.cli.version, '2.1.331 (Claude Code)');
  });

  test('anthropic, not streamed: system prompt replaces the agent prompt; max_tokens and thinking reach the API', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 321,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'ECHO:real answer' }],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: 'real answer' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.ok(message.usage.input_tokens > 0);
    const call = lastMessagesCall(mock);
    assert.equal(systemTexts(call).at(-1), 'You are terse.');
    assert.ok(
      systemTexts(call).every((text) => text.length < 1000),
      'no long agent prompt',
    );
    // Rounded up to a power of two, so the warm pool is not split per value (cli-launch.ts).
    assert.equal(call.body.max_tokens, 321);
    assert.deepEqual(call.body.thinking, { type: 'disabled' });
  });

  test('a request without a system prompt gets no agent prompt either', async () => {
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    const texts = systemTexts(lastMessagesCall(mock));
    assert.ok(
      texts.every((text) => text.length < 1000),
      `system blocks: ${texts.map((t) => t.length).join(', ')}`,
    );
  });

  test('anthropic, streamed with the SDK', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'ECHO:one two three' }],
    });
    const final = await stream.finalMessage();
    assert.equal((final.content[0] as Anthropic.TextBlock).text, 'one two three');
    assert.equal(final.stop_reason, 'end_turn');
    assert.ok(final.usage.output_tokens > 0);
  });

  test('openai, streamed and not, with usage from the CLI result', async () => {
    const completion = await openai.chat.completions.create({
      model: 'sonnet',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'ECHO:plain' },
      ],
    });
    assert.equal(completion.choices[0]!.message.content, 'plain');
    assert.ok(completion.usage!.prompt_tokens > 0);
    const stream = await openai.chat.completions.create({
      model: 'claude-sonnet-4-5',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'ECHO:streamed words here' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, 'streamed words here');
    assert.ok(usage && usage.completion_tokens > 0 && usage.prompt_tokens > 0);
  });

  test('an image and a multi-turn history reach the model', async () => {
    const completion = await openai.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: 'Nice to meet you, Ada.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } },
          ],
        },
      ],
    });
    assert.ok(completion.choices[0]!.message.content!.length > 0);
    const call = lastMessagesCall(mock);
    const user = call.body.messages.filter((m: { role: string }) => m.role === 'user').at(-1);
    const image = user.content.find((b: { type: string }) => b.type === 'image');
    assert.equal(image.source.data, PNG_1PX);
    // Earlier turns reach the model as the turns they were, not as text in the last one.
    assert.deepEqual(
      call.body.messages.slice(0, 2).map((m: { role: string; content: unknown }) => [m.role, contentText(m.content)]),
      [
        ['user', 'My name is Ada.'],
        ['assistant', 'Nice to meet you, Ada.'],
      ],
    );
  });

  test('max_tokens ends with max_tokens / length, not the CLI’s auto-continue', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'ECHO:one two three four five six' }],
    });
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal((message.content[0] as Anthropic.TextBlock).text, 'one two three');
    const completion = await openai.chat.completions.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'ECHO:one two three four five six' }],
    });
    assert.equal(completion.choices[0]!.finish_reason, 'length');
    assert.equal(completion.choices[0]!.message.content, 'one two');
  });

  test('thinking streams to a client that asked, and only then', async () => {
    const thinking = await anthropic.messages
      .stream({
        model: 'claude-mock-thinking',
        max_tokens: 4000,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        messages: [{ role: 'user', content: 'think' }],
      })
      .finalMessage();
    assert.deepEqual(
      thinking.content.map((b) => b.type),
      ['thinking', 'text'],
    );
    assert.equal((thinking.content[0] as Anthropic.ThinkingBlock).thinking, 'Let me think.');
    const plain = await anthropic.messages.create({
      model: 'claude-mock-thinking',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.deepEqual(
      plain.content.map((b) => b.type),
      ['text'],
    );
  });

  for (const model of ['claude-mock-midstream-error', 'claude-mock-midstream']) {
    test(`a mid-stream API failure (${model.slice(7)}): the retried text is not sent twice`, async () => {
      const res = await postJson(`${proxy.url}/v1/messages`, {
        model,
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const events = parseSse(await res.text());
      const text = events
        .filter((e) => e.event === 'content_block_delta')
        .map((e) => JSON.parse(e.data).delta.text)
        .join('');
      assert.equal(text, 'Hello from the mock API.');
      assert.equal(events.filter((e) => e.event === 'content_block_start').length, 1);
      assert.equal(events.at(-1)!.event, 'message_stop');
    });
  }

  const errorCases: [model: string, status: number, sdkClass: abstract new (...args: any[]) => APIError][] = [
    ['claude-mock-401', 401, Anthropic.AuthenticationError],
    ['claude-mock-403', 403, Anthropic.PermissionDeniedError],
    ['claude-mock-404', 404, Anthropic.NotFoundError],
    ['claude-mock-400', 400, Anthropic.BadRequestError],
    ['claude-mock-429', 429, Anthropic.RateLimitError],
    ['claude-mock-529', 529, Anthropic.InternalServerError],
    ['claude-mock-500', 502, Anthropic.InternalServerError],
  ];
  for (const [model, status, sdkClass] of errorCases) {
    test(`upstream ${model.slice(12)} → ${status}`, async () => {
      await assert.rejects(
        anthropic.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
        (error: unknown) => error instanceof sdkClass && error.status === status,
      );
    });
  }

  test('the subscription usage limit → 429 with Retry-After from the reset time', async () => {
    const res = await postJson(`${proxy.url}/v1/chat/completions`, {
      model: 'claude-mock-limit',
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(res.status, 429);
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(retryAfter > 3000 && retryAfter <= 3601, String(retryAfter));
    assert.equal((await res.json()).error.code, 'usage_limit_reached');
  });

  test('a client that disconnects ends the real CLI process', async () => {
    const controller = new AbortController();
    const res = await postJson(
      `${proxy.url}/v1/messages`,
      { model: 'claude-mock-slow', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'x' }] },
      {},
      controller.signal,
    );
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('content_block_delta')) seen += new TextDecoder().decode((await reader.read()).value);
    const record = proxy.proxy.requests().at(-1)!;
    assert.ok(record.cliPid);
    process.kill(record.cliPid, 0);
    controller.abort();
    await waitForExit(record.cliPid);
    await waitFor(() => (proxy.proxy.stats().cliProcesses === 0 ? true : undefined));
  });
});

describe('the real Claude CLI with no credentials', { timeout: 300_000 }, () => {
  test('answers 401 telling the user to log in, and /health reports it', async () => {
    const mock = await startMockAnthropicApi();
    const home = await mkdtemp(path.join(tmpdir(), 'ccp-nologin-'));
    const proxy = await startTestProxy({
      cliPath: realCliPath,
      env: { ...realCliEnv(mock.url, home), CLAUDE_CODE_OAUTH_TOKEN: undefined },
    });
    try {
      const res = await postJson(`${proxy.url}/v1/messages`, {
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      });
      assert.equal(res.status, 401);
      const body = await res.json();
      assert.equal(body.error.type, 'authentication_error');
      assert.match(body.error.message, /run `claude`/);
      const health = await (await fetch(`${proxy.url}/health`)).json();
      assert.equal(health.status, 'degraded');
      assert.ok(health.cli.last_auth_failure);
    } finally {
      await proxy.close();
      await mock.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
