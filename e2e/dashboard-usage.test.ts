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
 * The plan and what clients spent, in a real browser: the real CLI behind the
 * proxy, as a subscriber, against the loopback mock sending plan headers (the
 * 5-hour window 93% used, the 7-day one 41%).
 */

let mock: MockApi;
let home: string;
let proxy: TestProxy;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  ensureRendererBuilt();
  mock = await startMockAnthropicApi({ plan: { fiveHour: 0.93, sevenDay: 0.41 } });
  home = await mkdtemp(path.join(tmpdir(), 'ccp-e2e-usage-home-'));
  proxy = await startTestProxy({ cliPath: realCliPath, env: realCliEnv(mock.url, home), bridge: true });
  browser = await launchBrowser();
  ({ page, errors } = await openDashboard(browser, proxy.url));
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await mock?.close();
  await rm(home, { recursive: true, force: true });
});

function ask(model: string, userAgent: string): Promise<Response> {
  return postJson(
    `${proxy.url}/v1/chat/completions`,
    { model, messages: [{ role: 'user', content: 'ECHO:spent' }] },
    { 'User-Agent': userAgent },
  );
}

test('before any turn the plan says it has not been reported', async () => {
  await expectText(page.locator('#plan-meters'), 'No plan reported yet');
});

test("a subscriber's turn: plan meters with countdowns, the client and cost in the list and detail, totals and the chart", async () => {
  const response = await ask('claude-sonnet-4-5', 'OpenAI/Python 1.51.0');
  assert.equal(response.status, 200);
  const id = response.headers.get('x-request-id')!;

  const fiveHour = page.locator('.plan-window[data-window="five_hour"]');
  await expectText(fiveHour.locator('[data-field="utilization"]'), '93%');
  await expectText(fiveHour.locator('[data-field="reset"]'), /^resets in (1h 59m|2h 00m)$/);
  assert.equal(await fiveHour.locator('.bar-fill').getAttribute('data-tone'), 'error');
  assert.equal(await fiveHour.locator('[role="meter"]').getAttribute('aria-valuenow'), '93');
  const sevenDay = page.locator('.plan-window[data-window="seven_day"]');
  await expectText(sevenDay.locator('[data-field="utilization"]'), '41%');
  await expectText(sevenDay.locator('[data-field="reset"]'), /^resets in (2d 23h|3d 0h)$/);
  await expectText(page.locator('#plan-note'), 'extra usage allowed');

  const line = row(page, id);
  await expectText(line.locator('.c-client'), 'OpenAI/Python 1.51');
  await expectText(line.locator('.c-client'), '127.0.0.1');
  assert.match((await line.locator('.c-tokens').getAttribute('data-cost')) ?? '', /^\$0\.\d{2,4}$/);

  await line.click();
  await expectText(page.locator('#detail [data-field="cost"]'), /^\$0\.\d{2,4}$/);
  await expectText(page.locator('#detail'), 'Model usedclaude-sonnet-4-5');

  await expectText(page.locator('#totals-sum'), /\$0\.\d{2,4} at API rates · 1 requests/);
  await expectText(page.locator('#totals-clients li[data-name="OpenAI/Python 1.51"]'), '$0.');
  await expectText(page.locator('#totals-models li[data-name="claude-sonnet-4-5"]'), '$0.');
  const bars = page.locator('#usage-chart .usage-bar');
  assert.equal(await bars.count(), 30);
  assert.equal(await bars.last().getAttribute('data-empty'), 'false', "today's bar shows the cost");
  assert.equal(await bars.first().getAttribute('data-empty'), 'true');

  await page.locator('#totals-period').selectOption('today');
  await expectText(page.locator('#totals-sum'), '1 requests');
});

test('the third-party refusal shows as a banner saying what it means and where to act, until a turn is answered', async () => {
  const refused = await ask('claude-mock-third-party', 'Zed/0.201.3');
  assert.equal(refused.status, 400);
  const banner = page.locator('.banner[data-key="plan"]');
  await expectText(banner, 'bills third-party apps such as this proxy to extra usage');
  await expectText(banner, 'Claude usage settings');
  await expectText(banner, 'Third-party apps now draw from your extra usage');

  assert.equal((await ask('claude-sonnet-4-5', 'Zed/0.201.3')).status, 200);
  await banner.waitFor({ state: 'detached' });
  await expectText(page.locator('#totals-clients'), 'Zed 0.201');
  assert.deepEqual(errors, []);
});
