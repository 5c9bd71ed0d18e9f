import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startTestProxy, type TestProxy } from './helpers/test-proxy.js';

/** The official clients, unchanged, pointed at the proxy the way the README says. */
describe('official SDKs against the proxy (fake CLI)', () => {
  let proxy: TestProxy;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    proxy = await startTestProxy({ settings: { pool: { enabled: true } } });
    openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'dummy', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'dummy', maxRetries: 0 });
  });
  after(() => proxy.close());

  test('openai: chat.completions.create', async () => {
    const completion = await openai.chat.completions.create({
      model: 'claude-3-5-sonnet-20241022',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'ECHO:hi from openai' },
      ],
    });
    assert.equal(completion.choices[0]!.message.content, 'hi from openai');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    assert.ok(completion.usage!.total_tokens > 0);
  });

  test('openai: streaming with include_usage, and the /openai/v1 base URL', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/openai/v1`, apiKey: 'dummy', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'sonnet',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'ECHO:a b c' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'a b c');
    assert.equal(finish, 'stop');
    assert.equal(usage!.completion_tokens, 3);
  });

  test('openai: models.list and models.retrieve', async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    assert.ok(ids.includes('claude-3-5-sonnet-20241022'));
    assert.equal((await openai.models.retrieve('claude-opus-4-20250514')).id, 'claude-opus-4-20250514');
  });

  test('openai: errors arrive as the SDK’s error classes with their statuses', async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.NotFoundError && error.status === 404 && /gpt-4o/.test(error.message),
    );
    await assert.rejects(
      openai.chat.completions.create({ model: 'sonnet', messages: [{ role: 'nobody' as 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.status === 400,
    );
    await assert.rejects(
      openai.chat.completions.create({ model: 'claude-fake-nologin', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.AuthenticationError && error.status === 401,
    );
    await assert.rejects(
      openai.chat.completions.create({ model: 'claude-fake-limit', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.RateLimitError && error.status === 429,
    );
    await assert.rejects(
      openai.chat.completions.create({ model: 'claude-fake-529', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.InternalServerError && error.status === 503,
    );
  });

  test('openai: an error after the stream began is thrown by the stream iterator', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude-fake-crash-mid',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    await assert.rejects(
      async () => {
        // Drained only for the error it ends with.
        for await (const chunk of stream) void chunk;
      },
      (error: unknown) => error instanceof OpenAI.APIError && /exited/.test((error as Error).message),
    );
  });

  test('anthropic: messages.create', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-3-5-sonnet-20241022',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'ECHO:hi from anthropic' }],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: 'hi from anthropic' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.ok(message.usage.input_tokens > 0);
  });

  test('anthropic: messages.stream accumulates the final message', async () => {
    const stream = anthropic.messages.stream({
      model: 'sonnet',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'ECHO:one two three' }],
    });
    const deltas: string[] = [];
    stream.on('text', (text) => deltas.push(text));
    const final = await stream.finalMessage();
    assert.equal(deltas.join(''), 'one two three');
    assert.equal(final.content[0]!.type, 'text');
    assert.equal((final.content[0] as Anthropic.TextBlock).text, 'one two three');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 3);
  });

  test('anthropic: thinking blocks stream to a client that asked for them', async () => {
    const final = await anthropic.messages
      .stream({
        model: 'claude-fake-thinking',
        max_tokens: 2000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'think' }],
      })
      .finalMessage();
    assert.deepEqual(
      final.content.map((block) => block.type),
      ['thinking', 'text'],
    );
    assert.ok((final.content[0] as Anthropic.ThinkingBlock).signature.length > 0);
    const plain = await anthropic.messages.create({
      model: 'claude-fake-thinking',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.deepEqual(
      plain.content.map((block) => block.type),
      ['text'],
      'not asked: no thinking',
    );
  });

  test('anthropic: models.list, countTokens', async () => {
    const ids: string[] = [];
    for await (const model of anthropic.models.list()) ids.push(model.id);
    assert.ok(ids.includes('claude-opus-4-20250514'));
    const count = await anthropic.messages.countTokens({ model: 'sonnet', messages: [{ role: 'user', content: 'hello there' }] });
    assert.ok(count.input_tokens > 0);
  });

  test('anthropic: errors arrive as the SDK’s error classes; mid-stream errors are thrown', async () => {
    await assert.rejects(
      anthropic.messages.create({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof Anthropic.NotFoundError && error.status === 404,
    );
    await assert.rejects(
      anthropic.messages.create({ model: 'claude-fake-nologin', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof Anthropic.AuthenticationError && /log in/.test((error as Error).message),
    );
    await assert.rejects(
      anthropic.messages.create({ model: 'claude-fake-403', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof Anthropic.PermissionDeniedError,
    );
    await assert.rejects(
      anthropic.messages
        .stream({ model: 'claude-fake-crash-mid', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
        .finalMessage(),
      (error: unknown) => error instanceof Anthropic.APIError && /exited/.test((error as Error).message),
    );
  });
});
