import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
import { ensureRendererBuilt, expectText, launchBrowser, openDashboard } from './helpers/browser.js';

/** The rate-limit panel follows the limiter live: 60 a minute plus a burst of 10, so a 71st request in a row is refused. */

let proxy: TestProxy;
let browser: Browser;
let page: Page;

before(async () => {
  ensureRendererBuilt();
  proxy = await startTestProxy({ bridge: true });
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
  // 59 at once; the spent token is back within a second (the bucket refills at the sustained rate).
  await expectText(client().locator('[data-field="remaining"]'), /^(59|60) \/ 60$/);
  await expectText(client().locator('[data-field="allowed"]'), '1');
  await expectText(client().locator('[data-field="refused"]'), '0');
  await expectText(client().locator('[data-field="burst"]'), '0 / 10');
});

test('71 rapid requests: the bucket runs dry, a 429 comes back, and the panel shows it', async () => {
  // 70 fit in a full bucket (60 + a burst of 10); one was spent above and at most a token or two came back since.
  const statuses = await Promise.all(Array.from({ length: 71 }, () => fetch(`${proxy.url}/v1/models`).then(async (r) => (await r.text(), r.status))));
  const refused = statuses.filter((status) => status === 429).length;
  assert.ok(refused >= 1, `refused ${refused}`);
  await expectText(client().locator('[data-field="refused"]'), String(refused));
  await expectText(client().locator('[data-field="remaining"]'), '0 / 60');
  // The bucket refills a token a second, so a slow machine may already have some burst back.
  await expectText(client().locator('[data-field="burst"]'), /^([1-9]|10) \/ 10$/);
  await expectText(client().locator('[data-field="allowed"]'), String(1 + 71 - refused));
  await expectText(client().locator('[data-field="reset"]'), /^\d+ s$/);
  await expectText(page.locator('#limits-summary'), `1 client · ${refused} refused`);
  assert.equal(await client().locator('[data-field="refused"]').getAttribute('data-tone'), 'error');
  // Refused requests are logged too, with their 429.
  await expectText(page.locator('#request-count'), `${1 + 71} requests`);
  const rows429 = await page.locator('td.c-status .chip', { hasText: '429' }).count();
  assert.equal(rows429, refused, 'each refusal is a row with its 429');
});
