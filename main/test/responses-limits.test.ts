import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAX_MESSAGES } from '../core/api/content.js';
import { postJson, startTestProxy, type TestProxy } from './helpers/test-proxy.js';

/**
 * Continuing a stored conversation is bounded like a request that sends it
 * whole: by `maxBodyBytes` and by the message cap. The conversations are
 * written into the store's directory before the proxy starts, as an earlier
 * run of the proxy would have left them.
 */

const MODEL = 'claude-sonnet-4-5';

function stored(id: string, previous: string | null, inputItems: Record<string, unknown>[]) {
  return JSON.stringify({
    version: 1,
    id,
    createdAt: Date.now(),
    previousResponseId: previous,
    inputItems,
    output: [{ type: 'text', text: `answer ${id}` }],
    response: { id, object: 'response' },
  });
}

/** `count` input messages, user and assistant in turn, so none are joined. */
function alternating(count: number, text = 'x'): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'message',
    role: index % 2 === 0 ? 'user' : 'assistant',
    content: [{ type: index % 2 === 0 ? 'input_text' : 'output_text', text }],
  }));
}

describe('continuing a stored conversation: its bounds', () => {
  let proxy: TestProxy;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-responses-limits-'));
    const dir = path.join(dataDir, 'responses');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Two responses of about 40 KB each: over a 64 KB maxBodyBytes together.
    await writeFile(path.join(dir, 'resp_wide1.json'), stored('resp_wide1', null, alternating(1, 'w'.repeat(40_000))), { mode: 0o600 });
    await writeFile(path.join(dir, 'resp_wide2.json'), stored('resp_wide2', 'resp_wide1', alternating(1, 'w'.repeat(40_000))), {
      mode: 0o600,
    });
    proxy = await startTestProxy({ dataDir, settings: { maxBodyBytes: 64 * 1024 } });
  });
  after(async () => {
    await proxy.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a conversation stored in more than maxBodyBytes is a 400 naming previous_response_id', async () => {
    const response = await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input: 'ECHO:x', previous_response_id: 'resp_wide2' });
    assert.equal(response.status, 400);
    const { error } = await response.json();
    assert.equal(error.code, 'previous_response_too_large');
    assert.equal(error.param, 'previous_response_id');
    assert.match(error.message, /65536 bytes/);
  });

  test('one of its responses alone is served', async () => {
    const response = await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input: 'ECHO:fits', previous_response_id: 'resp_wide1' });
    assert.equal(response.status, 200, await response.clone().text());
  });
});

describe('continuing a stored conversation: the message cap', () => {
  let proxy: TestProxy;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-responses-limits-'));
    const dir = path.join(dataDir, 'responses');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Many short messages (each response adds its answer): under maxBodyBytes, over the cap together.
    const each = MAX_MESSAGES / 2;
    await writeFile(path.join(dir, 'resp_long1.json'), stored('resp_long1', null, alternating(each)), { mode: 0o600 });
    await writeFile(path.join(dir, 'resp_long2.json'), stored('resp_long2', 'resp_long1', alternating(each)), { mode: 0o600 });
    proxy = await startTestProxy({ dataDir });
  });
  after(async () => {
    await proxy.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test(`a conversation over ${MAX_MESSAGES} messages with the new input is a 400`, async () => {
    const response = await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input: 'ECHO:x', previous_response_id: 'resp_long2' });
    assert.equal(response.status, 400);
    const { error } = await response.json();
    assert.equal(error.code, 'previous_response_too_large');
    assert.match(error.message, new RegExp(`over the ${MAX_MESSAGES}`));
  });
});
