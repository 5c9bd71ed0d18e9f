import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSse, postJson, startTestProxy, type TestProxy } from './helpers/test-proxy.js';

const hello = { model: 'claude-3-5-sonnet-20241022', max_tokens: 100, messages: [{ role: 'user', content: 'Hello!' }] };

describe('HTTP API with the fake CLI', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ settings: { maxBodyBytes: 64 * 1024, modelAliases: { 'gpt-4o': 'sonnet' } } });
  });
  after(() => proxy.close());

  test('GET /health reports the CLI, version and process counts without rate-limit headers', async () => {
    const res = await fetch(`${proxy.url}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-ratelimit-limit'), null);
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    const body = await res.json();
    assert.equal(body.status, 'healthy');
    assert.equal(body.version, '0.0.0-test');
    assert.equal(body.cli.available, true);
    assert.equal(body.cli.version, '2.1.331 (Claude Code)');
    assert.deepEqual(body.processes, { active: 0, queued: 0, max: 4, max_queue: 64 });
    assert.equal(typeof body.uptime_seconds, 'number');
  });

  test('POST /v1/messages answers an Anthropic message with real usage', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, hello);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-ratelimit-limit'), '60');
    assert.match(res.headers.get('x-ratelimit-remaining') ?? '', /^\d+$/);
    assert.match(res.headers.get('x-ratelimit-reset') ?? '', /^\d{10}$/);
    const body = await res.json();
    assert.equal(body.type, 'message');
    assert.equal(body.role, 'assistant');
    assert.equal(body.model, 'claude-3-5-sonnet-20241022');
    assert.deepEqual(body.content, [{ type: 'text', text: 'Hello from the fake CLI.' }]);
    assert.equal(body.stop_reason, 'end_turn');
    assert.equal(body.usage.output_tokens, 5);
    assert.ok(body.usage.input_tokens > 0);
  });

  test('POST /v1/messages streams the exact Anthropic event sequence', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, { ...hello, stream: true });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = parseSse(await res.text());
    const names = events.map((e) => e.event);
    assert.deepEqual(names, [
      'message_start',
      'ping',
      'content_block_start',
      ...Array(5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const e of events) assert.equal(JSON.parse(e.data).type, e.event);
    const text = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => JSON.parse(e.data).delta.text)
      .join('');
    assert.equal(text, 'Hello from the fake CLI.');
    const delta = JSON.parse(events.at(-2)!.data);
    assert.equal(delta.delta.stop_reason, 'end_turn');
    assert.equal(delta.usage.output_tokens, 5);
  });

  for (const path of ['/v1/chat/completions', '/openai/v1/chat/completions']) {
    test(`POST ${path} answers a chat.completion`, async () => {
      const res = await postJson(`${proxy.url}${path}`, {
        model: 'claude-3-5-sonnet-20241022',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'ECHO:pong' },
        ],
      });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.object, 'chat.completion');
      assert.match(body.id, /^chatcmpl-/);
      assert.equal(body.choices[0].message.role, 'assistant');
      assert.equal(body.choices[0].message.content, 'pong');
      assert.equal(body.choices[0].finish_reason, 'stop');
      assert.equal(body.usage.completion_tokens, 1);
      assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + 1);
    });
  }

  test('OpenAI streaming ends with [DONE] and include_usage adds the usage chunk', async () => {
    const res = await postJson(`${proxy.url}/v1/chat/completions`, {
      model: 'sonnet',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'ECHO:one two three' }],
    });
    assert.equal(res.status, 200);
    const events = parseSse(await res.text());
    assert.equal(events.at(-1)!.data, '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'sonnet'));
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'one two three');
    const finish = chunks.at(-2);
    assert.equal(finish.choices[0].finish_reason, 'stop');
    const usage = chunks.at(-1);
    assert.deepEqual(usage.choices, []);
    assert.equal(usage.usage.completion_tokens, 3);
  });

  test('the Anthropic-style body of the API reference works on the OpenAI route', async () => {
    const res = await postJson(`${proxy.url}/openai/v1/chat/completions`, {
      model: 'claude-3-5-sonnet-20241022',
      system: 'You are terse. ECHO_SYSTEM',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).choices[0].message.content, 'You are terse. ECHO_SYSTEM');
  });

  test('ignored parameters are named in X-Claude-Proxy-Ignored', async () => {
    const res = await postJson(`${proxy.url}/v1/chat/completions`, {
      model: 'sonnet',
      temperature: 0.7,
      top_p: 0.9,
      seed: 1,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-claude-proxy-ignored'), 'seed, temperature, top_p');
    await res.text();
  });

  test('models: one list both SDKs parse, single model, unknown model 404', async () => {
    for (const path of ['/v1/models', '/openai/v1/models']) {
      const body = await (await fetch(`${proxy.url}${path}`)).json();
      assert.equal(body.object, 'list');
      assert.equal(body.has_more, false);
      const ids = body.data.map((m: { id: string }) => m.id);
      for (const id of ['claude-3-5-sonnet-20241022', 'claude-3-7-sonnet-20250219', 'claude-opus-4-20250514', 'sonnet', 'gpt-4o']) {
        assert.ok(ids.includes(id), id);
      }
      assert.equal(body.first_id, ids[0]);
      assert.equal(body.last_id, ids.at(-1));
      for (const model of body.data) {
        assert.equal(model.object, 'model');
        assert.equal(model.type, 'model');
        assert.equal(typeof model.created, 'number');
        assert.equal(model.owned_by, 'anthropic');
        assert.equal(typeof model.display_name, 'string');
        assert.match(model.created_at, /^\d{4}-\d\d-\d\dT/);
      }
    }
    const one = await (await fetch(`${proxy.url}/v1/models/claude-opus-4-20250514`)).json();
    assert.equal(one.id, 'claude-opus-4-20250514');
    const missing = await fetch(`${proxy.url}/v1/models/gpt-5`, { headers: { 'anthropic-version': '2023-06-01' } });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.type, 'not_found_error');
  });

  test('a model alias from settings reaches the CLI as the mapped model', async () => {
    const res = await postJson(`${proxy.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).model, 'gpt-4o');
  });

  test('count_tokens answers an estimate', async () => {
    const res = await postJson(`${proxy.url}/v1/messages/count_tokens`, {
      model: 'sonnet',
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-claude-proxy-estimate'), 'true');
    const body = await res.json();
    assert.ok(body.input_tokens >= 100 && body.input_tokens < 110, String(body.input_tokens));
  });
});

describe('errors, in each API’s shape', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ settings: { maxBodyBytes: 64 * 1024, allowedOrigins: ['http://localhost:5173'] } });
  });
  after(() => proxy.close());

  const anthropicError = async (res: Response, status: number, type: string) => {
    assert.equal(res.status, status);
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    const body = await res.json();
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, type);
    assert.equal(typeof body.error.message, 'string');
    return body.error;
  };
  const openaiError = async (res: Response, status: number) => {
    assert.equal(res.status, status);
    const body = await res.json();
    assert.equal(typeof body.error.message, 'string');
    assert.equal(typeof body.error.type, 'string');
    assert.ok('code' in body.error && 'param' in body.error);
    return body.error;
  };

  test('400 for malformed JSON', async () => {
    await anthropicError(await postJson(`${proxy.url}/v1/messages`, '{"model":'), 400, 'invalid_request_error');
    await openaiError(await postJson(`${proxy.url}/v1/chat/completions`, '[1,2'), 400);
  });

  test('400 names the field that failed validation', async () => {
    const a = await anthropicError(
      await postJson(`${proxy.url}/v1/messages`, { model: 'sonnet', messages: [{ role: 'robot', content: 'x' }] }),
      400,
      'invalid_request_error',
    );
    assert.equal(a.details.field, 'messages.0.role');
    const o = await openaiError(await postJson(`${proxy.url}/v1/chat/completions`, { model: 'sonnet', messages: 'hi' }), 400);
    assert.equal(o.details.field, 'messages');
    assert.equal(o.param, 'messages');
    assert.equal(o.code, 'validation_error');
  });

  test('400 for n > 1 and for a body that is not an object', async () => {
    const n = await openaiError(
      await postJson(`${proxy.url}/v1/chat/completions`, { model: 'sonnet', n: 2, messages: [{ role: 'user', content: 'x' }] }),
      400,
    );
    assert.equal(n.param, 'n');
    await anthropicError(await postJson(`${proxy.url}/v1/messages`, '"just a string"'), 400, 'invalid_request_error');
  });

  test('404 for an unknown model names it', async () => {
    const e = await anthropicError(await postJson(`${proxy.url}/v1/messages`, { ...hello, model: 'gpt-4o' }), 404, 'not_found_error');
    assert.match(e.message, /gpt-4o/);
    assert.equal(e.details.field, 'model');
    const o = await openaiError(await postJson(`${proxy.url}/v1/chat/completions`, { ...hello, model: 'llama-3' }), 404);
    assert.equal(o.code, 'model_not_found');
  });

  test('404 for an unknown route, in the shape its caller expects', async () => {
    await openaiError(await fetch(`${proxy.url}/v1/embeddings`), 404);
    await anthropicError(
      await fetch(`${proxy.url}/v1/nothing`, { headers: { 'anthropic-version': '2023-06-01' } }),
      404,
      'not_found_error',
    );
  });

  test('405 for a wrong method on a known route', async () => {
    const res = await fetch(`${proxy.url}/v1/messages`);
    assert.equal(res.status, 405);
    assert.match(res.headers.get('allow') ?? '', /POST/);
  });

  test('413 for a body over the limit', async () => {
    const big = { ...hello, messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] };
    await anthropicError(await postJson(`${proxy.url}/v1/messages`, big), 413, 'request_too_large');
  });

  test('415 when the body is not application/json', async () => {
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(hello),
    });
    const e = await anthropicError(res, 415, 'invalid_request_error');
    assert.equal(e.details.field, 'Content-Type');
  });

  test('a non-loopback Host header is refused (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${proxy.url}/v1/models`, { headers: { Host: 'evil.example.com' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
  });

  test('a browser Origin that is not allowed is refused; an allowed one gets its own CORS header, never *', async () => {
    const refused = await postJson(`${proxy.url}/v1/messages`, hello, { Origin: 'https://evil.example' });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    await refused.text();
    const allowed = await fetch(`${proxy.url}/v1/models`, { headers: { Origin: 'http://localhost:5173' } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    await allowed.text();
    const preflight = await fetch(`${proxy.url}/v1/messages`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  });
});

describe('rate limiting', () => {
  let proxy: TestProxy;
  // The proxy's clock stands still: no token refills between the 71 requests, however slow the machine.
  const FROZEN = Date.now();
  before(async () => {
    proxy = await startTestProxy({ now: () => FROZEN });
  });
  after(() => proxy.close());

  test('70 back to back pass (remaining counts down the 60), the 71st gets 429 with Retry-After; /health is not limited', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 70; i++) {
      const res = await fetch(`${proxy.url}/v1/models`);
      assert.equal(res.status, 200, `request ${i + 1}`);
      remaining.push(res.headers.get('x-ratelimit-remaining')!);
      await res.text();
    }
    assert.equal(remaining[0], '59');
    assert.equal(remaining[59], '0');
    assert.ok(remaining.slice(59).every((r) => r === '0'));
    const refused = await fetch(`${proxy.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-ratelimit-limit'), '60');
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    // Full again once all 70 tokens are back, at one a second.
    assert.equal(Number(refused.headers.get('x-ratelimit-reset')), Math.ceil((FROZEN + 70_000) / 1000));
    assert.equal((await refused.json()).error.type, 'rate_limit_error');
    assert.equal((await fetch(`${proxy.url}/health`)).status, 200);
    const counters = proxy.proxy.limits();
    assert.equal(counters.length, 1);
    assert.equal(counters[0]!.refused, 1);
    assert.equal(counters[0]!.allowed, 70);
  });
});

describe('the request log', () => {
  test('keeps metadata only by default; bodies and answers only with logBodies on', async () => {
    const plain = await startTestProxy();
    const keeping = await startTestProxy({ settings: { logBodies: true } });
    try {
      for (const proxy of [plain, keeping]) {
        const res = await postJson(`${proxy.url}/v1/messages`, { ...hello, messages: [{ role: 'user', content: 'ECHO:secret answer' }] });
        assert.equal(res.status, 200);
        await res.text();
      }
      const metadataOnly = plain.proxy.requests().at(-1)!;
      assert.equal(metadataOnly.state, 'done');
      assert.equal(metadataOnly.status, 200);
      assert.equal(metadataOnly.model, hello.model);
      assert.equal(metadataOnly.api, 'anthropic');
      assert.ok(metadataOnly.outputTokens! > 0);
      assert.equal(metadataOnly.requestBody, null);
      assert.equal(metadataOnly.responseText, null);
      assert.ok(!JSON.stringify(metadataOnly).includes('secret answer'));
      const withBodies = keeping.proxy.requests().at(-1)!;
      assert.match(withBodies.requestBody ?? '', /ECHO:secret answer/);
      assert.equal(withBodies.responseText, 'secret answer');
    } finally {
      await plain.close();
      await keeping.close();
    }
  });
});
