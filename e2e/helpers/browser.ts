import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright';
import { DEFAULT_DEADLINE_MS, dashboardLink, freePort, postJson, waitFor } from '../../main/test/helpers/test-proxy.js';

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
export async function openDashboard(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
): Promise<{ page: Page; errors: string[] }> {
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
export async function expectText(locator: Locator, expected: string | RegExp, timeoutMs = DEFAULT_DEADLINE_MS): Promise<string> {
  let text = '<not read yet>';
  return waitFor(
    async () => {
      text =
        (await locator
          .first()
          .textContent({ timeout: 500 })
          .catch(() => null)) ?? '<no such element>';
      return (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) ? text : undefined;
    },
    { timeoutMs, intervalMs: 50 },
  ).catch((error: Error) => {
    throw new Error(`${String(locator)} never showed ${String(expected)}; last text: ${JSON.stringify(text)} (${error.message})`);
  });
}

/**
 * Waits until the focused element matches `selector`. Focus often moves in a handler that runs after
 * the change a test can see (a dialog's `close` event fires after it hides), so it is awaited, not read once.
 */
export async function expectFocus(page: Page, selector: string, timeoutMs = DEFAULT_DEADLINE_MS): Promise<void> {
  let focused = '<not read yet>';
  await waitFor(
    async () => {
      const seen = await page.evaluate((wanted) => {
        const active = document.activeElement;
        if (!active) return { name: '<nothing>', matches: false };
        const dataId = active instanceof HTMLElement && active.dataset.id ? `[data-id="${active.dataset.id}"]` : '';
        return { name: `${active.tagName.toLowerCase()}${active.id ? `#${active.id}` : ''}${dataId}`, matches: active.matches(wanted) };
      }, selector);
      focused = seen.name;
      return seen.matches || undefined;
    },
    { timeoutMs, intervalMs: 20 },
  ).catch(() => {
    throw new Error(`focus never reached ${selector}; it is on ${focused}`);
  });
}

/** Rows the list shows now (filtered-out rows are hidden, not removed). */
export function visibleRows(page: Page): Locator {
  return page.locator('#request-rows tr:not([hidden])');
}
