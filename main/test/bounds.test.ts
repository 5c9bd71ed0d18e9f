import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RequestRecord } from '../../shared/request-record.js';
import { createLogger } from '../core/logger.js';
import { postJson, startTestProxy, waitFor, type TestProxy } from './helpers/test-proxy.js';

/**
 * Issue 9's bounds, reproduced as the attacker sent them through real HTTP:
 * what a client sends is kept capped, deep JSON is refused before it is
 * parsed, and with `logBodies` off no fragment of a prompt reaches the log,
 * its events or history, parser errors included.
 */

describe('issue 9: client input the proxy keeps is bounded', () => {
  let proxy: TestProxy;
  const logLines: string[] = [];
  const events: RequestRecord[] = [];

  before(async () => {
    const logger = createLogger((level, message, fields) => logLines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`), 'debug');
    proxy = await startTestProxy({ logger, settings: { logBodies: false, rateLimit: { requestsPerMinute: 100_000, burst: 100_000 } } });
    proxy.proxy.onRequestLog({
      added: (record) => events.push(record),
      updated: (record) => events.push(record),
      cleared: () => undefined,
    });
  });
  after(() => proxy.close());

  const lastRecord = () => proxy.proxy.requests().at(-1)!;
  const historyText = async () => {
    await waitFor(
      async () =>
        (await readFile(path.join(proxy.dataDir, 'history', 'history.jsonl'), 'utf8').catch(() => '')).includes(lastRecord().id) ||
        undefined,
      5000,
    );
    return readFile(path.join(proxy.dataDir, 'history', 'history.jsonl'), 'utf8');
  };

  test('a body nested five million levels deep is refused by the pre-scan, not by the parser', async () => {
    // Never closed, so JSON.parse would call it malformed: the depth error shows it was refused before parsing.
    const response = await postJson(`${proxy.url}/v1/messages`, `{"model":"sonnet","messages":${'['.repeat(5_000_000)}`);
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { message: string } };
    assert.match(body.error.message, /nested deeper than 128 levels/);
    // Brackets inside strings (after escaped quotes and backslashes, next to multi-byte characters) are text, not nesting.
    const quoted = await postJson(`${proxy.url}/v1/messages`, {
      model: 'sonnet',
      max_tokens: 5,
      messages: [{ role: 'user', content: `ECHO:${'é"[{\\'.repeat(1000)}` }],
    });
    assert.equal(quoted.status, 200);
  });

  test('with logBodies off, a JSON parse error keeps no fragment of the prompt anywhere', async () => {
    const secret = 'TOPSECRETPROMPT';
    for (const raw of [
      `{"model":"sonnet","messages":${secret}`,
      `${secret} and more`,
      `{"model":"sonnet","messages":[{"role":"user","content":"x"}]}${secret}`,
    ]) {
      const response = await postJson(`${proxy.url}/v1/messages`, raw);
      assert.equal(response.status, 400);
      const error = ((await response.json()) as { error: { message: string } }).error;
      assert.match(error.message, /^Malformed request: the body is not valid JSON/);
      const kept = [JSON.stringify(lastRecord()), JSON.stringify(events), logLines.join('\n'), await historyText()].join('\n');
      for (let start = 0; start + 4 <= secret.length; start += 1) {
        assert.ok(!kept.includes(secret.slice(start, start + 4)), `"${secret.slice(start, start + 4)}" of the prompt was kept`);
      }
    }
  });

  test('a 30 MB model name is answered, logged, streamed and saved capped', async () => {
    const name = 'x'.repeat(30 * 1024 * 1024);
    const response = await postJson(`${proxy.url}/v1/messages`, {
      model: name,
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(response.status, 404);
    assert.ok((await response.text()).length < 4096);
    const record = lastRecord();
    assert.ok(JSON.stringify(record).length < 4096, `the record holds ${JSON.stringify(record).length} chars`);
    assert.match(record.error!.message, /…\(\+\d+ chars\)/);
    assert.ok(JSON.stringify(events.filter((event) => event.id === record.id)).length < 16_384);
    assert.ok((await historyText()).length < 64 * 1024);
  });

  test('a long unknown path is echoed and logged capped', async () => {
    const response = await fetch(`${proxy.url}/v1/${'p'.repeat(12_000)}`);
    assert.equal(response.status, 404);
    const message = ((await response.json()) as { error: { message: string } }).error.message;
    assert.match(message, /^No route for GET \/v1\/p+…\(\+\d+ chars\)$/);
    assert.ok(message.length < 400);
    assert.ok(JSON.stringify(lastRecord()).length < 2048);
  });

  test('200,000 unknown fields are named up to a cap and counted, in the header and the log', async () => {
    const body: Record<string, unknown> = { model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'ECHO:ok' }] };
    for (let index = 0; index < 200_000; index += 1) body[`unknown_${index}`] = 1;
    const response = await postJson(`${proxy.url}/v1/messages`, body);
    assert.equal(response.status, 200);
    const header = response.headers.get('x-claude-proxy-ignored')!;
    assert.ok(header.length < 2048);
    assert.match(header, /\(199968 other fields\)$/);
    await response.text();
    const record = lastRecord();
    assert.equal(record.ignored.length, 65);
    assert.equal(record.ignored.at(-1), '…and 199936 more fields');
  });
});
