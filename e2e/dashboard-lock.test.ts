import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright';
import { dashboardLink, httpRequest, startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
import { ensureRendererBuilt, expectText, launchBrowser, openDashboard, VIEWPORT } from './helpers/browser.js';

/**
 * The page in a real browser: without the token it stays locked and says how
 * to get in; with the printed URL it trades the token for an HttpOnly cookie
 * and drops it from the address bar; refused requests show in its list.
 */

let proxy: TestProxy;
let browser: Browser;

before(async () => {
  ensureRendererBuilt();
  proxy = await startTestProxy({ bridge: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxy?.close();
});

test('without the token the page is locked, says to open the printed URL, and reads nothing', async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  const calls: string[] = [];
  page.on('response', (response) => {
    if (response.url().includes('/dashboard/api/')) calls.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  await page.goto(`${proxy.url}/dashboard/`);
  await expectText(page.locator('#auth-message'), 'URL the proxy printed');
  assert.equal(await page.locator('#auth').isVisible(), true);
  assert.equal(await page.locator('#request-rows tr[data-id]').count(), 0);
  // Only the question "do I hold a session?" was asked: no state was read.
  assert.deepEqual(calls, ['200 /dashboard/api/session']);

  const wrong = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await wrong.goto(`${proxy.url}/dashboard/#token=not-the-token`);
  await expectText(wrong.locator('#auth-message'), 'not the dashboard’s');
  assert.equal(new URL(wrong.url()).hash, '', 'even a wrong token leaves the address bar');
});

test('with the printed URL: the token leaves the address bar, the cookie is HttpOnly, and a reload gets in without it', async () => {
  const link = await dashboardLink(proxy.url);
  const { page, errors } = await openDashboard(browser, proxy.url);
  assert.equal(page.url(), `${proxy.url}/dashboard/`);
  assert.ok(!(await page.evaluate(() => window.location.href)).includes('token'));
  assert.equal(await page.evaluate(() => document.cookie), '', 'script cannot read the session');
  const [cookie] = await page.context().cookies(proxy.url + '/dashboard/');
  assert.equal(cookie?.httpOnly, true);
  assert.equal(cookie?.sameSite, 'Strict');
  assert.equal(cookie?.path, '/dashboard');
  assert.ok(!link.endsWith(cookie!.value), 'the cookie holds a derived value, not the secret');
  assert.equal(await page.locator('#auth').isVisible(), false);
  await page.reload();
  await page.locator('#server-state', { hasText: 'Running' }).waitFor();
  assert.deepEqual(errors, []);
});

test('refused requests show in the page, marked as refused, with the reason in the detail', async () => {
  const { page } = await openDashboard(browser, proxy.url);
  const attempt = await httpRequest(proxy.port, 'POST', '/v1/messages', { model: 'sonnet', messages: [] }, { headers: { Host: 'evil.example' } });
  assert.equal(attempt.status, 403);
  const id = attempt.headers['x-request-id'] as string;
  const refusedRow = page.locator(`#request-rows tr[data-id="${id}"]`);
  await expectText(refusedRow.locator('.c-status'), 'refused 403');
  assert.equal(await refusedRow.getAttribute('data-refused'), 'true');
  await refusedRow.click();
  await expectText(page.locator('#detail'), 'host_not_allowed');
  await expectText(page.locator('#detail'), 'Refused');
});

test('bound beyond loopback, the page asks for the access key too, and a wrong one keeps it locked', async () => {
  const key = 'lock-test-access-key-0123456789';
  const wide = await startTestProxy({ bridge: true, settings: { host: '0.0.0.0', accessKey: key } });
  try {
    const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    await page.goto(await dashboardLink(wide.url));
    await expectText(page.locator('#auth-message'), 'access key');
    assert.equal(new URL(page.url()).hash, '');
    await page.getByLabel('Access key').fill('not-the-access-key');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expectText(page.locator('#auth-message'), 'access key too');
    assert.equal(await page.locator('#auth').isVisible(), true);
    await page.getByLabel('Access key').fill(key);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.locator('#server-state', { hasText: 'Running' }).waitFor();
    assert.equal(await page.locator('#auth').isVisible(), false);
  } finally {
    await wide.close();
  }
});

test('two proxies on one machine keep their own sessions in one browser (cookies ignore ports)', async () => {
  const other = await startTestProxy({ bridge: true });
  try {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const first = await context.newPage();
    await first.goto(await dashboardLink(proxy.url));
    await first.locator('#server-state', { hasText: 'Running' }).waitFor();
    const second = await context.newPage();
    await second.goto(await dashboardLink(other.url));
    await second.locator('#server-state', { hasText: 'Running' }).waitFor();
    await first.reload();
    await first.locator('#server-state', { hasText: 'Running' }).waitFor();
    assert.equal(await first.locator('#auth').isVisible(), false);
    assert.equal((await context.cookies(`${proxy.url}/dashboard/`)).length, 2);
  } finally {
    await other.close();
  }
});
