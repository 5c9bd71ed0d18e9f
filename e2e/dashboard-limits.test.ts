import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
import { ensureRendererBuilt, expectText, launchBrowser, openDashboard } from './helpers/browser.js';

/**
 * The rate-limit panel follows the limiter live: 60 a minute plus a burst of 10, so a 71st request in a row is refused.
 * The proxy's clock stands still here, so no token comes back however long the requests take: every count is exact.
 */

const FROZEN = Date.now();

let proxy: TestProxy;
let browser: Browser;
let page: Page;

before(async () => {
  ensureRendererBuilt();
  proxy = await startTestProxy({ bridge: true, now: () => FROZEN });
  browser = await launchBrowser();
  ({ page } = await openDashboard(browser, proxy.url));
});

after(async () => {
  await browser?.close();
  await proxy?.close();
});

const client = () => page.locator('#limits-body tr[data-client="127.0.0.1"]');

test('no clients yet: the panel says so', async () => {
  await expectText(page.locator('#limits-body'), 'No clients in the last minute');
});

test('one request: the counters move', async () => {
  await (await fetch(`${proxy.url}/v1/models`)).text();
  await expectText(client().locator('[data-field="remaining"]'), '59 / 60');
  await expectText(client().locator('[data-field="allowed"]'), '1');
  await expectText(client().locator('[data-field="refused"]'), '0');
  await expectText(client().locator('[data-field="burst"]'), '0 / 10');
  await expectText(client().locator('[data-field="reset"]'), '1 s');
});

test('71 rapid requests: the bucket runs dry, a 429 comes back, and the panel shows it', async () => {
  // 70 fit in a full bucket (60 + a burst of 10); one was spent above, so 69 pass and 2 are refused.
  const statuses = await Promise.all(
    Array.from({ length: 71 }, () => fetch(`${proxy.url}/v1/models`).then(async (r) => (await r.text(), r.status))),
  );
  assert.equal(statuses.filter((status) => status === 429).length, 2);
  assert.equal(statuses.filter((status) => status === 200).length, 69);
  await expectText(client().locator('[data-field="refused"]'), '2');
  await expectText(client().locator('[data-field="remaining"]'), '0 / 60');
  await expectText(client().locator('[data-field="burst"]'), '10 / 10');
  await expectText(client().locator('[data-field="allowed"]'), '70');
  await expectText(client().locator('[data-field="reset"]'), '70 s');
  await expectText(page.locator('#limits-summary'), '1 client · 2 refused');
  assert.equal(await client().locator('[data-field="refused"]').getAttribute('data-tone'), 'error');
  // Refused requests are logged too, with their 429.
  await expectText(page.locator('#request-count'), `${1 + 71} requests`);
  const rows429 = await page.locator('td.c-status .chip', { hasText: '429' }).count();
  assert.equal(rows429, 2, 'each refusal is a row with its 429');
});
