import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { startMockAnthropicApi, type MockApi } from '../main/test/fixtures/mock-anthropic-api.js';
import { realCliEnv, realCliPath } from '../main/test/fixtures/real-cli.js';
import { postJson, startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
import { ensureRendererBuilt, expectText, launchBrowser, openDashboard, row } from './helpers/browser.js';

/**
 * The request detail of an agent's request: the tools it offered and the
 * call the model made, with its arguments. The real CLI answers through the
 * loopback mock, which calls the tool.
 */

let mock: MockApi;
let home: string;
let proxy: TestProxy;
let browser: Browser;
let page: Page;

before(async () => {
  ensureRendererBuilt();
  mock = await startMockAnthropicApi();
  home = await mkdtemp(path.join(tmpdir(), 'ccp-e2e-tools-'));
  proxy = await startTestProxy({ bridge: true, cliPath: realCliPath, env: realCliEnv(mock.url, home) });
  browser = await launchBrowser();
  ({ page } = await openDashboard(browser, proxy.url));
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await mock?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

test('the detail lists the tools offered and the call made, with its arguments', async () => {
  const response = await postJson(`${proxy.url}/v1/chat/completions`, {
    model: 'claude-sonnet-4-5',
    tools: [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ],
    messages: [{ role: 'user', content: 'Weather? [[tool:get_weather]] [[input:{"city":"Lima"}]]' }],
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { choices: { finish_reason: string }[] };
  assert.equal(body.choices[0]!.finish_reason, 'tool_calls');
  const id = response.headers.get('x-request-id')!;
  await expectText(row(page, id).locator('.c-status'), '200');
  await row(page, id).click();
  const tools = page.locator('#detail [data-section="tools"]');
  await expectText(tools, 'Offered: get_weather, get_time');
  await expectText(tools.locator('.tool-call'), 'Called: get_weather');
  await expectText(tools.locator('.tool-call pre'), '{"city":"Lima"}');
});
