import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { postJson, startTestProxy, type TestProxy } from './helpers/test-proxy.js';

/**
 * The proxy never lets a model answer tool-less by accident: tools that would
 * break the CLI's declaration are refused before any CLI starts, and a CLI
 * that did not offer every declared tool fails the request. The fake CLI
 * reports the tools of its `initialize` manifest, or none with
 * FAKE_CLAUDE_DROP_TOOLS (as the real one does when a schema is not an object).
 */

const weather = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

async function spawns(log: string): Promise<number> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).length;
}

describe('tool checks', () => {
  let proxy: TestProxy;
  let spawnLog: string;

  let logDir: string;

  before(async () => {
    logDir = await mkdtemp(path.join(tmpdir(), 'ccp-tool-checks-'));
    spawnLog = path.join(logDir, 'spawns.log');
    await writeFile(spawnLog, '');
    proxy = await startTestProxy({ env: { ...process.env, FAKE_CLAUDE_SPAWN_LOG: spawnLog } });
  });
  after(async () => {
    await proxy.close();
    await rm(logDir, { recursive: true, force: true });
  });

  async function refused(pathname: string, body: unknown, field: RegExp, message: RegExp): Promise<void> {
    const before = await spawns(spawnLog);
    const res = await postJson(`${proxy.url}${pathname}`, body);
    const json = (await res.json()) as { error: { message: string; type: string; details?: { field?: string } } };
    assert.equal(res.status, 400, JSON.stringify(json));
    assert.match(json.error.message, message);
    assert.match(json.error.message, field);
    assert.equal(await spawns(spawnLog), before, 'no CLI was started');
  }

  test('a schema whose top level is not an object is refused with a 400 naming the tool, before any CLI starts', async () => {
    await refused(
      '/v1/messages',
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        tools: [weather, { name: 'bad', input_schema: { type: 'string' } }],
        messages: [{ role: 'user', content: 'hi' }],
      },
      /tools\.1\.input_schema/,
      /"bad"/,
    );
    await refused(
      '/v1/chat/completions',
      {
        model: 'claude-sonnet-4-5',
        tools: [{ type: 'function', function: { name: 'f', parameters: { properties: {} } } }],
        messages: [{ role: 'user', content: 'hi' }],
      },
      /tools\.0\.function\.parameters/,
      /"f"/,
    );
  });

  test('names outside the API rule, duplicates, and a tool_choice naming no declared tool are refused', async () => {
    const chat = (tools: unknown[], extra: object = {}) => ({
      model: 'claude-sonnet-4-5',
      tools,
      ...extra,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const fn = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });
    await refused('/v1/chat/completions', chat([fn('with.dot')]), /tools\.0\.function\.parameters\.name|tools\.0/, /with\.dot/);
    await refused('/v1/chat/completions', chat([fn('a'.repeat(65))]), /tools\.0/, /1-64/);
    await refused('/v1/chat/completions', chat([fn('twice'), fn('twice')]), /tools\.1\.function\.name/, /declared twice/);
    await refused(
      '/v1/chat/completions',
      chat([fn('a')], { tool_choice: { type: 'function', function: { name: 'b' } } }),
      /tool_choice\.function\.name/,
      /"b"/,
    );
  });

  test('a CLI that does not offer every declared tool fails the request instead of answering without them', async () => {
    const local = await startTestProxy({ env: { ...process.env, FAKE_CLAUDE_DROP_TOOLS: '1' } });
    try {
      const res = await postJson(`${local.url}/v1/messages`, {
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        tools: [weather],
        messages: [{ role: 'user', content: 'hi' }],
      });
      const json = (await res.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(res.status, 502);
      assert.equal(json.type, 'error');
      assert.match(json.error.message, /did not offer the declared tools: get_weather/);
    } finally {
      await local.close();
    }
  });

  test('the tools of the initialize manifest are offered, and the answer goes on', async () => {
    const res = await postJson(`${proxy.url}/v1/messages`, {
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      tools: [weather],
      messages: [{ role: 'user', content: 'ECHO:fine' }],
    });
    assert.equal(res.status, 200);
    const json = (await res.json()) as { content: { text: string }[] };
    assert.equal(json.content[0]!.text, 'fine');
  });
});
