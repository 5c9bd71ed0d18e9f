import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright';
import { dashboardLink, httpRequest, postJson, startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
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
  assert.ok(!link.endsWith(cookie.value), 'the cookie holds a derived value, not the secret');
  assert.equal(await page.locator('#auth').isVisible(), false);
  await page.reload();
  await page.locator('#server-state', { hasText: 'Running' }).waitFor();
  assert.deepEqual(errors, []);
});

test('refused requests show in the page, marked as refused, with the reason in the detail', async () => {
  const { page } = await openDashboard(browser, proxy.url);
  const attempt = await httpRequest(
    proxy.port,
    'POST',
    '/v1/messages',
    { model: 'sonnet', messages: [] },
    { headers: { Host: 'evil.example' } },
  );
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

test('a server on another port of 127.0.0.1 gets the cookie (cookies ignore ports) but not the page key, so the dashboard API stays shut to it', async () => {
  // Another account's server on this machine, which the owner's browser is made to visit.
  const seen: string[] = [];
  const evil = http.createServer((request, response) => {
    seen.push(request.headers.cookie ?? '');
    response.setHeader('content-type', 'text/html');
    response.end('<!doctype html><title>elsewhere</title>');
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  try {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const owner = await context.newPage();
    await owner.goto(await dashboardLink(proxy.url));
    await owner.locator('#server-state', { hasText: 'Running' }).waitFor();
    assert.match((await owner.evaluate(() => window.localStorage.getItem('ccp-dashboard-page-key'))) ?? '', /^[A-Za-z0-9_-]{43}$/);

    const page = await context.newPage();
    const statuses: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${proxy.url}/dashboard/api/`)) statuses.push(response.status());
    });
    await page.goto(`${evilUrl}/`);
    // Its script asks its own server for a path under /dashboard, the cookie's path.
    assert.equal(await page.evaluate(() => fetch('/dashboard/steal').then((response) => response.status)), 200);
    const stolen = seen.map((header) => /ccp_dashboard_[0-9a-f]{12}=[^;]+/.exec(header)?.[0]).find(Boolean);
    assert.ok(stolen, `the premise: the browser sent the session cookie to the other port (it saw ${JSON.stringify(seen)})`);
    // Written as a string: the page runs it as is (the test's compiler would add helpers the page lacks).
    const tried = await page.evaluate<{ stored: string[]; cors: string; noCors: string }>(`(async () => {
      const list = ${JSON.stringify(`${proxy.url}/dashboard/api/invoke/requests%3Alist`)};
      const outcomes = [];
      for (const init of [
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
        { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' },
      ]) {
        outcomes.push(await fetch(list, { credentials: 'include', ...init }).then(
          async (response) => (response.type + ' ' + response.status + ' ' + (await response.text().catch(() => ''))).slice(0, 200),
          (error) => 'failed: ' + error.message,
        ));
      }
      return { stored: Object.keys(window.localStorage), cors: outcomes[0], noCors: outcomes[1] };
    })()`);
    assert.deepEqual(tried.stored, [], 'localStorage is per origin: the other port holds no key');
    assert.match(tried.cors, /^failed/, 'a cross-origin read is blocked');
    assert.match(tried.noCors, /^opaque 0/, 'an opaque answer shows nothing');
    assert.ok(!statuses.includes(200), `the proxy answered the other page ${JSON.stringify(statuses)}`);

    // Replayed from outside the browser, the cookie alone opens nothing either.
    assert.equal((await postJson(`${proxy.url}/dashboard/api/invoke/requests%3Alist`, {}, { cookie: stolen })).status, 401);
    const events = await fetch(`${proxy.url}/dashboard/api/events`, { headers: { cookie: stolen } });
    assert.equal(events.status, 401);
    assert.deepEqual(await (await fetch(`${proxy.url}/dashboard/api/session`, { headers: { cookie: stolen } })).json(), {
      authenticated: false,
      accessKeyRequired: false,
    });
    // While the owner's page still works, events included.
    const id = (await httpRequest(proxy.port, 'GET', '/v1/models')).headers['x-request-id'] as string;
    await owner.locator(`#request-rows tr[data-id="${id}"]`).waitFor();
  } finally {
    await new Promise((resolve) => evil.close(resolve));
  }
});

test('a tab that holds the cookie but lost its page key is locked and says to open the printed URL; other tabs share the key', async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(await dashboardLink(proxy.url));
  await page.locator('#server-state', { hasText: 'Running' }).waitFor();
  await page.evaluate(() => window.localStorage.clear());
  await page.reload();
  await expectText(page.locator('#auth-message'), 'URL the proxy printed');
  assert.equal(await page.locator('#auth').isVisible(), true);
  // Opening the printed URL again trades anew; another tab of the same origin then shares the key.
  const again = await context.newPage();
  await again.goto(await dashboardLink(proxy.url));
  await again.locator('#server-state', { hasText: 'Running' }).waitFor();
  const tab = await context.newPage();
  await tab.goto(`${proxy.url}/dashboard/`);
  await tab.locator('#server-state', { hasText: 'Running' }).waitFor();
  assert.equal(await tab.locator('#auth').isVisible(), false);
  // A link that hands the page a forged key (as the page does for itself when the proxy moves port) changes nothing.
  const forged = await context.newPage();
  await forged.goto(`${proxy.url}/dashboard/#key=forged-key`);
  await forged.locator('#server-state', { hasText: 'Running' }).waitFor();
  assert.equal(new URL(forged.url()).hash, '');
  assert.match((await forged.evaluate(() => window.localStorage.getItem('ccp-dashboard-page-key'))) ?? '', /^[A-Za-z0-9_-]{43}$/);
});
