import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright';
import { dashboardLink, freePort, postJson } from '../../main/test/helpers/test-proxy.js';

export { freePort };

/**
 * The real browser for the window's tests: Debian's Chromium (never a
 * downloaded one), headless, with nothing that phones home.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** The bundle the proxy serves; built once if missing so a single test file can run on its own. */
export function ensureRendererBuilt(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  if (!existsSync(`${root}dist/renderer/app.js`)) execFileSync(process.execPath, [`${root}renderer/build.mjs`], { stdio: 'inherit' });
}

export const VIEWPORT = { width: 900, height: 600 };

/**
 * Opens the dashboard as its owner does, with the URL carrying the token (read
 * from the test proxy's data directory, where the proxy keeps it), and waits
 * until it has loaded the proxy's state over the HTTP bridge.
 */
export async function openDashboard(browser: Browser, url: string, options: BrowserContextOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  await page.goto(await dashboardLink(url));
  await page.locator('#server-state', { hasText: 'Running' }).waitFor();
  return { page, errors };
}

export function anthropicChat(url: string, model: string, stream: boolean, signal?: AbortSignal): Promise<Response> {
  return postJson(`${url}/v1/messages`, { model, max_tokens: 64, stream, messages: [{ role: 'user', content: 'Hello' }] }, {}, signal);
}

export function openaiChat(url: string, model: string, stream: boolean, signal?: AbortSignal): Promise<Response> {
  return postJson(`${url}/v1/chat/completions`, { model, stream, messages: [{ role: 'user', content: 'Hello' }] }, {}, signal);
}

/** A row of the request table, by its request id (the X-Request-Id response header). */
export function row(page: Page, requestId: string) {
  return page.locator(`#request-rows tr[data-id="${requestId}"]`);
}

/** Waits until the element's text contains (or matches) `expected`; the error says what it showed instead. */
export async function expectText(locator: Locator, expected: string | RegExp, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = (await locator.first().textContent({ timeout: 500 }).catch(() => null)) ?? '<no such element>';
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`${String(locator)} never showed ${String(expected)}; last text: ${JSON.stringify(text)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Rows the list shows now (filtered-out rows are hidden, not removed). */
export function visibleRows(page: Page): Locator {
  return page.locator('#request-rows tr:not([hidden])');
}

