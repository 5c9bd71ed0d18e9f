import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
import { ensureRendererBuilt, expectFocus, expectText, launchBrowser, openaiChat, openDashboard } from './helpers/browser.js';

/**
 * The settings panel: opened from the header, a change saved there is in
 * force for the next API request, a refused value is shown at its field and
 * changes nothing, and the saved settings outlive a restart.
 */

let browser: Browser;
let dataDir: string;
let proxy: TestProxy;
let page: Page;
let errors: string[];

before(async () => {
  ensureRendererBuilt();
  browser = await launchBrowser();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-settings-e2e-'));
  proxy = await startTestProxy({ dataDir, bridge: true });
  ({ page, errors } = await openDashboard(browser, proxy.url));
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const dialog = () => page.getByRole('dialog', { name: 'Settings' });

async function rateLimitHeader(url: string): Promise<string | null> {
  const response = await fetch(`${url}/v1/models`);
  await response.text();
  return response.headers.get('x-ratelimit-limit');
}

test('the header button opens the panel from the keyboard, with the settings in force; Escape closes it', async () => {
  const opener = page.getByRole('button', { name: 'Settings', exact: true });
  await opener.focus();
  await page.keyboard.press('Enter');
  await dialog().waitFor();
  assert.equal(await dialog().getByLabel('Requests per minute').inputValue(), '60');
  assert.equal(await dialog().getByLabel('Burst').inputValue(), '10');
  assert.equal(await dialog().getByLabel('Processes at once').inputValue(), '4');
  assert.equal(await dialog().getByLabel('Keep history').isChecked(), true);
  assert.equal(await dialog().getByLabel('Launch at login').isDisabled(), true, 'the dashboard has no login item');
  await expectFocus(page, '#set-rpm'); // focus moves into the panel
  await page.keyboard.press('Escape');
  await dialog().waitFor({ state: 'hidden' });
  // Focus goes back in the dialog's `close` handler, which runs after it hides: wait for it.
  await expectFocus(page, '#settings-open');
});

test('a new rate limit and model alias, saved, are in force for the next API request', async () => {
  assert.equal(await rateLimitHeader(proxy.url), '60');
  const before = await openaiChat(proxy.url, 'gpt-4o', false);
  await before.text();
  assert.equal(before.status, 404, 'no such model before the alias');

  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await dialog().getByLabel('Requests per minute').fill('120');
  await dialog().getByRole('button', { name: 'Add alias' }).click();
  await dialog().getByLabel('Alias 1 name').fill('gpt-4o');
  await dialog().getByLabel('Alias 1 model').fill('sonnet');
  await dialog().getByRole('button', { name: 'Save' }).click();
  await expectText(page.locator('#settings-status'), 'Saved');

  assert.equal(await rateLimitHeader(proxy.url), '120');
  const aliased = await openaiChat(proxy.url, 'gpt-4o', false);
  assert.equal(aliased.status, 200);
  assert.equal((await aliased.json()).object, 'chat.completion');
  assert.deepEqual(JSON.parse(await readFile(path.join(dataDir, 'settings.json'), 'utf8')), {
    rateLimit: { requestsPerMinute: 120, burst: 10, maxTrackedClients: 10_000 },
    modelAliases: { 'gpt-4o': 'sonnet' },
  });
});

test('an invalid value is shown at its field, and nothing changes', async () => {
  const file = await readFile(path.join(dataDir, 'settings.json'), 'utf8');
  const settings = structuredClone(proxy.proxy.currentSettings);
  const burst = dialog().getByLabel('Burst');
  await burst.fill('-1');
  await dialog().getByLabel('Requests per minute').fill('30');
  await dialog().getByRole('button', { name: 'Save' }).click();
  await expectText(page.locator('#set-burst-error'), 'Burst must be at least 0');
  assert.equal(await burst.getAttribute('aria-invalid'), 'true');
  await expectFocus(page, '#set-burst'); // focus goes to the field to fix
  assert.match((await burst.getAttribute('aria-describedby')) ?? '', /set-burst-error/);
  await expectText(page.locator('#settings-status'), 'nothing was saved');
  assert.deepEqual(proxy.proxy.currentSettings, settings);
  assert.equal(await readFile(path.join(dataDir, 'settings.json'), 'utf8'), file);
  assert.equal(await rateLimitHeader(proxy.url), '120');

  // An alias to a model the CLI does not take is refused by the core, and shown at the alias.
  await burst.fill('10');
  await dialog().getByLabel('Requests per minute').fill('120');
  await dialog().getByLabel('Alias 1 model').fill('gpt-5');
  await dialog().getByRole('button', { name: 'Save' }).click();
  await expectText(page.locator('#alias-error'), 'gpt-4o: "gpt-5" is not a model');
  assert.equal(await dialog().getByLabel('Alias 1 model').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(proxy.proxy.currentSettings, settings);
  await page.keyboard.press('Escape');
  await dialog().waitFor({ state: 'hidden' });
});

test('after a restart on the same data directory the settings are still there', async () => {
  await proxy.close();
  proxy = await startTestProxy({ dataDir, bridge: true });
  assert.equal(await rateLimitHeader(proxy.url), '120');
  const aliased = await openaiChat(proxy.url, 'gpt-4o', false);
  await aliased.text();
  assert.equal(aliased.status, 200);

  const reopened = await openDashboard(browser, proxy.url, { colorScheme: 'dark' });
  page = reopened.page;
  errors.push(...reopened.errors);
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await dialog().waitFor();
  assert.equal(await dialog().getByLabel('Requests per minute').inputValue(), '120');
  assert.equal(await dialog().getByLabel('Alias 1 name').inputValue(), 'gpt-4o');
  assert.equal(await dialog().getByLabel('Alias 1 model').inputValue(), 'sonnet');
});

test('the page logged no errors', () => {
  // The first page's event stream is cut when its proxy is closed for the restart: Chrome logs that itself.
  assert.deepEqual(
    errors.filter(
      (error) =>
        !/Failed to load resource: net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING|EMPTY_RESPONSE|CONNECTION_RESET)/.test(error),
    ),
    [],
  );
});
