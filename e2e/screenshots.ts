/**
 * Screenshots of the window at 900×600, light and dark, for looking at it:
 * `node --import tsx e2e/screenshots.ts [outDir]` (default /tmp/screens).
 * Not a test: it drives a fake-CLI proxy through a few requests and saves what the page shows.
 */
import { mkdir } from 'node:fs/promises';
import { startTestProxy, waitFor } from '../main/test/helpers/test-proxy.js';
import { anthropicChat, ensureRendererBuilt, expectText, launchBrowser, openaiChat, openDashboard } from './helpers/browser.js';

const outDir = process.argv[2] ?? '/tmp/screens';
await mkdir(outDir, { recursive: true });
ensureRendererBuilt();
const proxy = await startTestProxy({
  bridge: true,
  settings: { rateLimit: { requestsPerMinute: 25, burst: 5 }, modelAliases: { 'gpt-4.1': 'sonnet', 'o4-mini': 'haiku' } },
});
const browser = await launchBrowser();
try {
  for (const colorScheme of ['light', 'dark'] as const) {
    const { page } = await openDashboard(browser, proxy.url, { colorScheme });
    if (colorScheme === 'light') {
      await page.screenshot({ path: `${outDir}/light-empty.png` });
      await Promise.all(Array.from({ length: 20 }, () => fetch(`${proxy.url}/v1/models`).then((r) => r.text())));
      await (await anthropicChat(proxy.url, 'claude-sonnet-4-5', false)).text();
      await (await openaiChat(proxy.url, 'sonnet', true)).text();
      await (await anthropicChat(proxy.url, 'claude-fake-nologin', false)).text();
      await (await fetch(`${proxy.url}/v1/models`)).text();
      await (await openaiChat(proxy.url, 'gpt-4o', false)).text();
      await (await anthropicChat(proxy.url, 'claude-fake-500', true)).text();
      // Gated: it stays live until the proxy closes, so the list shows a request in progress.
      void anthropicChat(proxy.url, 'claude-fake-gated', true)
        .then((r) => r.text())
        .catch(() => undefined);
      await page.locator('#request-rows tr[data-state="in_progress"]').waitFor();
      await Promise.all(Array.from({ length: 6 }, () => fetch(`${proxy.url}/v1/models`).then((r) => r.text())));
    }
    const logged = proxy.proxy.requests().length;
    await waitFor(async () => (await page.locator('#request-rows tr').count()) === logged || undefined, {
      message: `the list shows all ${logged} requests`,
    });
    // New rows flash; shoot once the flashes are over (the live row's pulse runs forever, so only finite ones count).
    await page.waitForFunction(() =>
      document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
    );
    await page.screenshot({ path: `${outDir}/${colorScheme}-list.png` });
    await page.locator('#request-rows tr').nth(2).click();
    await page.locator('#detail').waitFor();
    await page.screenshot({ path: `${outDir}/${colorScheme}-detail.png` });
    await page.locator('#request-rows tr[data-state="failed"]').first().click();
    await page.locator('#detail .callout').waitFor();
    await page.screenshot({ path: `${outDir}/${colorScheme}-detail-failed.png` });
    await page.keyboard.press('Escape');
    await page.fill('#port-input', '99999');
    await page.click('#port-apply');
    await expectText(page.locator('#port-feedback'), 'INVALID_PORT');
    await page.screenshot({ path: `${outDir}/${colorScheme}-port-error.png` });
    await page.click('#settings-open');
    await page.locator('#settings-dialog').waitFor();
    await page.screenshot({ path: `${outDir}/${colorScheme}-settings.png` });
    await page.fill('#set-burst', '-1');
    await page.click('#settings-save');
    await expectText(page.locator('#set-burst-error'), 'Burst');
    await page.screenshot({ path: `${outDir}/${colorScheme}-settings-error.png` });
    await page.keyboard.press('Escape');
    await page.context().close();
  }
  process.stdout.write(`screenshots in ${outDir}\n`);
} finally {
  await browser.close();
  await proxy.close();
}
