import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { liveCliPids, startTestProxy, waitFor, type TestProxy } from '../main/test/helpers/test-proxy.js';
import {
  anthropicChat,
  ensureRendererBuilt,
  expectFocus,
  expectText,
  launchBrowser,
  openaiChat,
  openDashboard,
  row,
  visibleRows,
} from './helpers/browser.js';

/**
 * The window in a real browser, hosted by a real headless proxy driving the
 * fake CLI: API requests sent from here show up live on the page.
 */

let proxy: TestProxy;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  ensureRendererBuilt();
  // A `claude-fake-gated` stream stops after its first word until the test lets it go: it stays live
  // as long as the test needs to watch it or cancel it, however slow the machine.
  proxy = await startTestProxy({ bridge: true });
  browser = await launchBrowser();
  ({ page, errors } = await openDashboard(browser, proxy.url, { permissions: ['clipboard-read', 'clipboard-write'] }));
});

after(async () => {
  await browser?.close();
  await proxy?.close();
});

test('health shows the proxy, the CLI, its processes and uptime', async () => {
  await expectText(page.locator('#server-state'), 'Running');
  await expectText(page.locator('#server-url'), proxy.url);
  await expectText(page.locator('#health-status .card-text'), 'Healthy');
  await expectText(page.locator('#health-cli .card-text'), 'v2.1.331');
  await expectText(page.locator('#health-cli .card-sub'), 'fake-claude.mjs');
  await expectText(page.locator('#health-login .card-text'), 'Logged in');
  await expectText(page.locator('#health-processes .card-text'), '0 active · 0 queued');
  await expectText(page.locator('#health-uptime .card-text'), /^\d+s$/);
  await expectText(page.locator('#requests-empty'), 'No requests yet');
  assert.equal(await page.locator('#server-toggle').getAttribute('aria-checked'), 'true');
});

test('a streaming request appears live, in progress, then done with its numbers', async () => {
  const response = await anthropicChat(proxy.url, 'claude-fake-gated', true);
  const id = response.headers.get('x-request-id')!;
  const line = row(page, id);
  await expectText(line.locator('.c-status'), 'live');
  assert.equal(await line.getAttribute('data-state'), 'in_progress');
  await expectText(line.locator('.c-path'), '/v1/messages');
  await expectText(line.locator('.c-model'), 'claude-fake-gated');
  await expectText(line.locator('.c-api'), 'AnthropicSSE');
  await expectText(page.locator('#health-processes .card-text'), '1 active');
  // Newest first.
  assert.equal(await visibleRows(page).first().getAttribute('data-id'), id);

  await proxy.release(await waitFor(() => proxy.proxy.request(id)?.cliPid ?? undefined));
  await response.text();
  await expectText(line.locator('.c-status'), '200');
  assert.equal(await line.getAttribute('data-state'), 'done');
  // Formats only: how long it took is the machine's business.
  await expectText(line.locator('.c-ttft'), /\d+ ms|\d\.\d+ s/);
  await expectText(line.locator('.c-duration'), /\d+ ms|\d\.\d+ s|\d+m \d+s/);
  await expectText(line.locator('.c-tokens'), /\d+ \/ 50/);
  await expectText(page.locator('#health-processes .card-text'), '0 active');
});

test('a failed request shows failed, its status and its error message', async () => {
  const response = await anthropicChat(proxy.url, 'claude-fake-nologin', false);
  assert.equal(response.status, 401);
  const id = response.headers.get('x-request-id')!;
  const line = row(page, id);
  await expectText(line.locator('.c-status'), '401');
  assert.equal(await line.getAttribute('data-state'), 'failed');
  await expectText(line.locator('.c-error'), 'not logged in');

  await line.click();
  await expectText(page.locator('#detail .callout'), '401 · ');
  await expectText(page.locator('#detail .callout .error-message'), 'The Claude CLI is not logged in');
  await expectText(page.locator('#detail .detail-head'), 'POST /v1/messages');
  await expectText(page.locator('#health-login .card-text'), 'Not logged in');
  await expectText(page.locator('#health-status .card-text'), 'Degraded');
});

test('filter by text, status and model narrows the list', async () => {
  await (await openaiChat(proxy.url, 'sonnet', false)).text();
  await waitFor(async () => ((await visibleRows(page).count()) === 3 ? true : undefined));

  await page.fill('#filter-text', 'nologin');
  await waitFor(async () => ((await visibleRows(page).count()) === 1 ? true : undefined));
  await expectText(visibleRows(page).locator('.c-model'), 'claude-fake-nologin');
  await expectText(page.locator('#request-count'), '1 of 3');

  await page.fill('#filter-text', 'no-such-thing');
  await expectText(page.locator('#requests-empty'), 'No requests match the filter');
  await page.fill('#filter-text', '');

  await page.selectOption('#filter-status', 'failed');
  await waitFor(async () => ((await visibleRows(page).count()) === 1 ? true : undefined));
  await page.selectOption('#filter-status', '2xx');
  await waitFor(async () => ((await visibleRows(page).count()) === 2 ? true : undefined));
  await page.selectOption('#filter-status', 'all');

  await page.selectOption('#filter-model', 'sonnet');
  await waitFor(async () => ((await visibleRows(page).count()) === 1 ? true : undefined));
  await expectText(visibleRows(page).locator('.c-path'), '/v1/chat/completions');
  await expectText(visibleRows(page).locator('.c-api'), 'OpenAI');
  await page.selectOption('#filter-model', '');
  await waitFor(async () => ((await visibleRows(page).count()) === 3 ? true : undefined));
});

test('keyboard: rows are in the tab order, arrows move, Enter opens, Escape closes', async () => {
  await page.keyboard.press('Escape');
  await page.locator('#detail').waitFor({ state: 'hidden' });
  await page.focus('#clear');
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id);
  assert.equal(first, await visibleRows(page).nth(0).getAttribute('data-id'));
  await page.keyboard.press('ArrowDown');
  const second = await visibleRows(page).nth(1).getAttribute('data-id');
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id), second);
  await page.keyboard.press('Enter');
  await page.locator('#detail').waitFor();
  assert.equal(await row(page, second!).getAttribute('aria-selected'), 'true');
  await expectText(page.locator('#detail'), second!);
  await page.keyboard.press('Escape');
  await page.locator('#detail').waitFor({ state: 'hidden' });
  await expectFocus(page, `#request-rows tr[data-id="${second}"]`); // back to the row, once the panel's close handler ran
  // "/" jumps to the filter.
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter-text');
});

test('copy as curl puts a command on the clipboard that replays the request', async () => {
  const response = await anthropicChat(proxy.url, 'claude-sonnet-4-5', false);
  const id = response.headers.get('x-request-id')!;
  await response.text();
  await row(page, id).click();
  await page.getByRole('button', { name: 'Copy as curl' }).click();
  await expectText(page.locator('#detail .note'), 'Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await page.locator('#curl-preview').textContent());
  // One line: PowerShell does not continue lines with a backslash.
  assert.ok(copied.startsWith(`curl -g '${proxy.url}/v1/messages' -H `) && !copied.includes('\n'), copied);
  assert.match(copied, /-H 'anthropic-version: 2023-06-01'/);
  assert.match(copied, /"model":"claude-sonnet-4-5","max_tokens":1024/);
  assert.doesNotMatch(copied, /"stream"/);

  const { stdout } = await promisify(execFile)('sh', ['-c', `${copied} --silent --show-error`]);
  const replay = JSON.parse(stdout) as { type: string; content: { text: string }[] };
  assert.equal(replay.type, 'message');
  assert.equal(replay.content[0]?.text, 'Hello from the fake CLI.');
});

test('cancel from the page ends the request and its CLI process', async () => {
  const response = await anthropicChat(proxy.url, 'claude-fake-gated', true);
  const id = response.headers.get('x-request-id')!;
  const streamed = response.text().catch(() => 'cut');
  const pid = await waitFor(() => proxy.proxy.request(id)?.cliPid ?? undefined);
  assert.ok((await liveCliPids(proxy.pidDir)).includes(pid), 'the CLI runs');

  await row(page, id).click();
  const cancel = page.getByRole('button', { name: 'Cancel request' });
  assert.equal(await cancel.isEnabled(), true);
  await cancel.click();
  await expectText(row(page, id).locator('.c-status'), 'cancelled');
  assert.equal(await row(page, id).getAttribute('data-state'), 'cancelled');
  await expectText(page.locator('#detail .note'), 'Cancelled');
  await waitFor(async () => (!(await liveCliPids(proxy.pidDir)).includes(pid) ? true : undefined));
  await streamed;
  assert.equal(await cancel.isDisabled(), true);
});

test('pause freezes the list and clear empties it', async () => {
  await page.keyboard.press('Escape');
  const before = await page.locator('#request-rows tr').count();
  await page.click('#pause');
  await (await fetch(`${proxy.url}/v1/models`)).text();
  await expectText(page.locator('#request-count'), 'paused, 1 new');
  assert.equal(await page.locator('#request-rows tr').count(), before);
  await page.click('#pause');
  await waitFor(async () => ((await page.locator('#request-rows tr').count()) === before + 1 ? true : undefined));

  await page.click('#clear');
  await expectText(page.locator('#requests-empty'), 'No requests yet');
  assert.equal(await page.locator('#request-rows tr').count(), 0);
  assert.equal(proxy.proxy.requests().length, 0);
});

test('the page ran without errors or CSP violations', () => {
  assert.deepEqual(errors, []);
});
