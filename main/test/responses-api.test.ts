import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseSse, postJson, startTestProxy, type TestProxy } from './helpers/test-proxy.js';

/**
 * The Responses API with the fake CLI: the response object, the typed event
 * stream, the store (across a restart), and its errors in OpenAI's shape.
 */

const MODEL = 'claude-sonnet-4-5';

describe('Responses API with the fake CLI', () => {
  let proxy: TestProxy;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-responses-'));
    proxy = await startTestProxy({ dataDir });
  });
  after(async () => {
    await proxy.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('answers with a response object, its settings echoed and the left-out tools named', async () => {
    const res = await postJson(`${proxy.url}/v1/responses`, {
      model: MODEL,
      input: 'ECHO:hi there',
      instructions: 'Be brief.',
      metadata: { run: '7' },
      max_output_tokens: 500,
      tools: [{ type: 'web_search' }, { type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} } }],
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-claude-proxy-ignored'), 'tools.0.web_search');
    // Rate-limited like the other APIs.
    assert.equal(res.headers.get('x-ratelimit-limit'), '60');
    const body = await res.json();
    assert.match(body.id, /^resp_[a-f0-9]{32}$/);
    assert.equal(body.object, 'response');
    assert.equal(body.status, 'completed');
    assert.equal(body.model, MODEL);
    assert.deepEqual(
      body.output.map((item: { type: string }) => item.type),
      ['message'],
    );
    assert.deepEqual(body.output[0].content[0], { type: 'output_text', text: 'hi there', annotations: [], logprobs: [] });
    assert.equal(body.usage.output_tokens, 2);
    assert.equal(body.usage.total_tokens, body.usage.input_tokens + 2);
    assert.deepEqual(body.usage.input_tokens_details, { cached_tokens: 0 });
    assert.equal(body.instructions, 'Be brief.');
    assert.deepEqual(body.metadata, { run: '7' });
    assert.equal(body.max_output_tokens, 500);
    assert.equal(body.store, true);
    assert.deepEqual(
      body.tools.map((tool: { name: string }) => tool.name),
      ['get_time'],
    );
    const record = proxy.proxy.requests().find((r) => r.path === '/v1/responses');
    assert.equal(record?.api, 'responses');
  });

  test('streams the typed events in order, numbered, ending with response.completed', async () => {
    const res = await postJson(`${proxy.url}/openai/v1/responses`, { model: MODEL, input: 'ECHO:one two three', stream: true });
    assert.equal(res.status, 200);
    const events = parseSse(await res.text());
    const types = events.map((event) => event.event);
    assert.deepEqual(types, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const data = events.map((event) => JSON.parse(event.data));
    assert.deepEqual(
      data.map((event) => event.sequence_number),
      types.map((_, i) => i),
    );
    for (const [i, event] of data.entries()) assert.equal(event.type, types[i]);
    const done = data.at(-1).response;
    assert.equal(done.status, 'completed');
    assert.equal(done.output[0].content[0].text, 'one two three');
  });

  test('a stored response is read, listed and deleted; store: false keeps nothing', async () => {
    const created = await (
      await postJson(`${proxy.url}/v1/responses`, {
        model: MODEL,
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'ECHO:kept' }] }],
      })
    ).json();
    const got = await fetch(`${proxy.url}/v1/responses/${created.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(await got.json(), created);

    const items = await (await fetch(`${proxy.url}/v1/responses/${created.id}/input_items`)).json();
    assert.equal(items.object, 'list');
    assert.equal(items.data.length, 1);
    assert.equal(items.data[0].type, 'message');
    assert.match(items.data[0].id, /^msg_/);
    assert.deepEqual(items.data[0].content, [{ type: 'input_text', text: 'ECHO:kept' }]);
    const pagedOn = await fetch(`${proxy.url}/v1/responses/${created.id}/input_items?after=${items.data[0].id}`);
    assert.deepEqual((await pagedOn.json()).data, []);
    // An unknown cursor is not the first page again (a client paging on would loop).
    const unknownCursor = await fetch(`${proxy.url}/v1/responses/${created.id}/input_items?after=msg_unknown`);
    assert.equal(unknownCursor.status, 404);
    const { error } = await unknownCursor.json();
    assert.equal(error.param, 'after');

    const files = await readdir(path.join(dataDir, 'responses'));
    assert.ok(files.includes(`${created.id}.json`));
    assert.equal((await stat(path.join(dataDir, 'responses', `${created.id}.json`))).mode & 0o777, 0o600);

    const deleted = await fetch(`${proxy.url}/v1/responses/${created.id}`, { method: 'DELETE' });
    assert.deepEqual(await deleted.json(), { id: created.id, object: 'response', deleted: true });
    const gone = await fetch(`${proxy.url}/v1/responses/${created.id}`);
    assert.equal(gone.status, 404);
    assert.equal((await gone.json()).error.code, 'response_not_found');

    const unstored = await (await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input: 'x', store: false })).json();
    assert.equal(unstored.store, false);
    assert.equal((await fetch(`${proxy.url}/v1/responses/${unstored.id}`)).status, 404);
  });

  test('ids not of the proxy form never reach the file system', async () => {
    for (const id of ['..%2Fsettings', 'resp_..', 'resp_a%2F..%2Fb', 'resp_' + 'a'.repeat(300)]) {
      const res = await fetch(`${proxy.url}/v1/responses/${id}`);
      assert.equal(res.status, 404, id);
      assert.equal((await res.json()).error.type, 'not_found_error');
    }
  });

  test('an unknown previous_response_id is a 404 in OpenAI shape', async () => {
    const res = await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input: 'x', previous_response_id: 'resp_unknown1' });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      error: {
        message: "Previous response with id 'resp_unknown1' not found.",
        type: 'not_found_error',
        code: 'previous_response_not_found',
        param: 'previous_response_id',
      },
    });
  });

  test('input the proxy cannot pass on is refused naming the item', async () => {
    const cases: [unknown, string][] = [
      [[{ type: 'computer_call_output', call_id: 'c', output: {} }], 'input.0.type'],
      [[{ role: 'user', content: [{ type: 'input_image', image_url: 'https://example.com/a.png' }] }], 'input.0.content.0.image_url'],
      [[{ type: 'function_call', call_id: 'c', name: 'f', arguments: 'not json' }], 'input.0.arguments'],
      [[{ type: 'item_reference', id: 'msg_1' }], 'input.0.type'],
    ];
    for (const [input, field] of cases) {
      const res = await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input });
      assert.equal(res.status, 400, field);
      assert.equal((await res.json()).error.param, field);
    }
    const conversation = await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input: 'x', conversation: 'conv_1' });
    assert.equal(conversation.status, 400);
    assert.equal((await conversation.json()).error.param, 'conversation');
  });

  test('stored responses survive a restart of the proxy', async () => {
    const created = await (await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input: 'ECHO:durable' })).json();
    await proxy.close();
    proxy = await startTestProxy({ dataDir });
    const res = await fetch(`${proxy.url}/v1/responses/${created.id}`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).output[0].content[0].text, 'durable');
    const next = await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input: 'ECHO:again', previous_response_id: created.id });
    assert.equal(next.status, 200);
    assert.equal((await next.json()).previous_response_id, created.id);
  });
});
