import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { keysMatch, presentedKey } from '../core/http/access-key.js';
import { createLogger } from '../core/logger.js';
import { ServerError } from '../core/server-controller.js';
import { postJson, startTestProxy } from './helpers/test-proxy.js';

const KEY = 'test-access-key-0123456789';
const hello = { model: 'sonnet', max_tokens: 20, messages: [{ role: 'user', content: 'ECHO:ok' }] };

describe('exposure beyond loopback', () => {
  test('binding to a non-loopback address without an access key is refused, saying why', async () => {
    await assert.rejects(
      startTestProxy({ settings: { host: '0.0.0.0' } }),
      (error: unknown) => error instanceof ServerError && error.code === 'ACCESS_KEY_REQUIRED' && /accessKey/.test(error.message),
    );
  });

  test('with a key, requests must present it (Bearer or x-api-key); the SDKs send it as their apiKey', async () => {
    // Bound to every interface, but the test only ever talks to it over loopback.
    const proxy = await startTestProxy({ settings: { host: '0.0.0.0', accessKey: KEY } });
    try {
      const url = `http://127.0.0.1:${proxy.port}`;
      const none = await postJson(`${url}/v1/messages`, hello);
      assert.equal(none.status, 401);
      const body = await none.json();
      assert.equal(body.error.type, 'authentication_error');
      assert.ok(!JSON.stringify(body).includes(KEY));
      assert.equal((await postJson(`${url}/v1/messages`, hello, { 'x-api-key': 'wrong-key-wrong-key' })).status, 401);
      assert.equal((await postJson(`${url}/v1/chat/completions`, hello, { Authorization: `Bearer ${KEY}x` })).status, 401);
      assert.equal((await postJson(`${url}/v1/messages`, hello, { 'x-api-key': KEY })).status, 200);
      assert.equal((await postJson(`${url}/v1/chat/completions`, hello, { Authorization: `Bearer ${KEY}` })).status, 200);

      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY, maxRetries: 0 });
      const completion = await openai.chat.completions.create({
        model: 'sonnet',
        messages: [{ role: 'user', content: 'ECHO:via openai' }],
      });
      assert.equal(completion.choices[0]!.message.content, 'via openai');
      const anthropic = new Anthropic({ baseURL: url, apiKey: KEY, maxRetries: 0 });
      const message = await anthropic.messages.create({ ...hello, messages: [{ role: 'user', content: 'ECHO:via anthropic' }] });
      assert.equal((message.content[0] as Anthropic.TextBlock).text, 'via anthropic');
      await assert.rejects(
        new OpenAI({ baseURL: `${url}/v1`, apiKey: 'dummy', maxRetries: 0 }).models.list(),
        (error: unknown) => error instanceof OpenAI.AuthenticationError,
      );
    } finally {
      await proxy.close();
    }
  });

  test('key comparison: exact match only; both header forms are read', () => {
    assert.equal(keysMatch(KEY, KEY), true);
    assert.equal(keysMatch(`${KEY} `, KEY), false);
    assert.equal(keysMatch('', KEY), false);
    assert.equal(presentedKey(`Bearer ${KEY}`, undefined), KEY);
    assert.equal(presentedKey(`bearer   ${KEY}`, undefined), KEY);
    assert.equal(presentedKey(undefined, KEY), KEY);
    assert.equal(presentedKey('Basic abc', undefined), undefined);
  });

  test('keys and tokens never reach the logs', () => {
    const lines: string[] = [];
    const logger = createLogger((level, message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`), 'debug');
    logger.info('request with Bearer sk-ant-api03-secretsecretsecret', {
      authorization: `Bearer ${KEY}`,
      'x-api-key': KEY,
      accessKey: KEY,
      note: 'token sk-abcdefghijklmnopqrstuvwx',
    });
    const text = lines.join('\n');
    assert.ok(!text.includes(KEY));
    assert.ok(!text.includes('secretsecret'));
    assert.ok(!text.includes('abcdefghijklmnopqrstuvwx'));
  });
});

test('redaction keeps counts and ordinary fields', async () => {
  const { redact } = await import('../core/logger.js');
  assert.deepEqual(redact({ inputTokens: 5, outputTokens: 7, model: 'sonnet', oauthToken: 'abc', refresh_token: 'def' }), {
    inputTokens: 5,
    outputTokens: 7,
    model: 'sonnet',
    oauthToken: '[redacted]',
    refresh_token: '[redacted]',
  });
});
