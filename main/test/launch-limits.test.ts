import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_STRUCTURED_SCHEMA_BYTES } from '../core/api/tools.js';
import { postJson, startTestProxy, type TestProxy } from './helpers/test-proxy.js';

/**
 * What must fit in the CLI's launch: a structured-output schema travels in an
 * environment variable, which Linux caps at 128 KiB per string. Too large a
 * schema is the client's 400 naming its field; a launch the system refuses
 * anyway (E2BIG) is not mistaken for a missing CLI.
 */

const MODEL = 'claude-sonnet-4-5';
const message = [{ role: 'user', content: 'ECHO:x' }];

/** An object schema of about `bytes` bytes as JSON. */
function schemaOf(bytes: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (let index = 0; JSON.stringify(properties).length < bytes; index++)
    properties[`field_${index}`] = { type: 'string', description: 'd'.repeat(80) };
  return { type: 'object', properties };
}

describe('structured-output schema size', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy();
  });
  after(() => proxy.close());

  const big = schemaOf(MAX_STRUCTURED_SCHEMA_BYTES + 1024);
  const cases: [string, string, unknown][] = [
    [
      '/v1/messages',
      'output_config.format.schema',
      { model: MODEL, max_tokens: 100, messages: message, output_config: { format: { type: 'json_schema', schema: big } } },
    ],
    [
      '/v1/chat/completions',
      'response_format.json_schema.schema',
      { model: MODEL, messages: message, response_format: { type: 'json_schema', json_schema: { name: 'big', schema: big } } },
    ],
    [
      '/v1/responses',
      'text.format.schema',
      { model: MODEL, input: 'ECHO:x', text: { format: { type: 'json_schema', name: 'big', schema: big } } },
    ],
  ];
  for (const [route, field, body] of cases) {
    test(`${route}: a schema over ${MAX_STRUCTURED_SCHEMA_BYTES} bytes is a 400 naming ${field}`, async () => {
      const response = await postJson(`${proxy.url}${route}`, body);
      assert.equal(response.status, 400);
      const { error } = await response.json();
      assert.equal(error.details?.field ?? error.param, field, JSON.stringify(error));
      assert.match(error.message, new RegExp(`at most ${MAX_STRUCTURED_SCHEMA_BYTES}`));
    });
  }

  test('a schema under the limit is served', async () => {
    const schema = schemaOf(MAX_STRUCTURED_SCHEMA_BYTES - 4096);
    const response = await postJson(`${proxy.url}/v1/chat/completions`, {
      model: MODEL,
      messages: [{ role: 'user', content: 'ECHO:{"field_0":"a"}' }],
      response_format: { type: 'json_schema', json_schema: { name: 'fits', schema } },
    });
    assert.equal(response.status, 200, await response.clone().text());
  });
});

describe('a launch the system refuses as too long (E2BIG)', () => {
  let proxy: TestProxy;
  before(async () => {
    // One environment string over Linux's 128 KiB per-string cap: every spawn of the CLI fails with E2BIG.
    proxy = await startTestProxy({ env: { HUGE_VARIABLE: 'x'.repeat(200 * 1024) }, settings: { pool: { enabled: false } } });
  });
  after(() => proxy.close());

  test(
    'is a 500 saying so, not a 503 telling the user to install Claude Code',
    { skip: process.platform !== 'linux' && 'E2BIG per string is Linux behaviour' },
    async () => {
      const response = await postJson(`${proxy.url}/v1/chat/completions`, { model: MODEL, messages: message });
      assert.equal(response.status, 500);
      const { error } = await response.json();
      assert.equal(error.code, 'cli_launch_too_large');
      assert.match(error.message, /E2BIG/);
      assert.doesNotMatch(error.message, /Install Claude Code/);
    },
  );
});
