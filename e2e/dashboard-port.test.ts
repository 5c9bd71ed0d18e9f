import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
import { ensureRendererBuilt, expectText, freePort, launchBrowser, openDashboard, row } from './helpers/browser.js';

/** The port field: checked before asking, PORT_IN_USE spelled out, and a real move that the page follows. */

let proxy: TestProxy;
let browser: Browser;
let page: Page;
let errors: string[];
let blocker: net.Server | undefined;

before(async () => {
  ensureRendererBuilt();
  proxy = await startTestProxy({ bridge: true });
  browser = await launchBrowser();
  ({ page, errors } = await openDashboard(browser, proxy.url));
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
});

async function submitPort(port: string): Promise<void> {
  await page.fill('#port-input', port);
  await page.click('#port-apply');
}

test('the field is labelled and shows the current port', async () => {
  assert.equal(await page.getByLabel('Port', { exact: true }).inputValue(), String(proxy.port));
});

test('a value that is not a port is refused before asking, with INVALID_PORT', async () => {
  for (const value of ['70000', 'abc', '0']) {
    await submitPort(value);
    await expectText(page.locator('#port-feedback'), 'INVALID_PORT');
    assert.equal(await page.locator('#port-input').getAttribute('aria-invalid'), 'true');
  }
  assert.equal(proxy.currentUrl(), proxy.url);
});

test('a port in use shows PORT_IN_USE and the proxy keeps serving where it was', async () => {
  blocker = net.createServer();
  await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
  const taken = (blocker.address() as net.AddressInfo).port;
  await submitPort(String(taken));
  await expectText(page.locator('#port-feedback'), 'PORT_IN_USE');
  await expectText(page.locator('#port-feedback'), `Still serving on ${proxy.url}`);
  assert.equal(proxy.currentUrl(), proxy.url);
  assert.equal((await fetch(`${proxy.url}/health`)).status, 200);
  assert.equal(page.url(), `${proxy.url}/dashboard/`);
  await expectText(page.locator('#server-state'), 'Running');
});

test('moving to a free port: the page follows to the new address and keeps working', async () => {
  const port = await freePort();
  const next = `http://127.0.0.1:${port}`;
  await submitPort(String(port));
  await page.waitForURL(`${next}/dashboard/`, { timeout: 10_000 });
  await expectText(page.locator('#server-url'), next);
  await expectText(page.locator('#server-state'), 'Running');
  assert.equal(proxy.currentUrl(), next);
  assert.equal(await page.locator('#port-input').inputValue(), String(port));
  await assert.rejects(fetch(`${proxy.url}/health`), 'the old port is closed');

  const response = await fetch(`${next}/v1/models`);
  await response.text();
  await expectText(row(page, response.headers.get('x-request-id')!).locator('.c-status'), '200');
});

test('the page logged no errors', () => {
  // The move cuts the old listener's connections (the event stream, the setPort call): those network
  // failures are expected and logged by Chrome itself. Script errors and CSP violations are not.
  assert.deepEqual(
    errors.filter(
      (error) =>
        !/Failed to load resource: net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING|EMPTY_RESPONSE|CONNECTION_RESET)/.test(error),
    ),
    [],
  );
});
