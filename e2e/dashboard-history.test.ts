import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright';
import { postJson, startTestProxy } from '../main/test/helpers/test-proxy.js';
import { ensureRendererBuilt, expectText, launchBrowser, openDashboard, row, visibleRows } from './helpers/browser.js';

/** The request history outlives the proxy: after a restart on the same data directory the page shows it. */

let browser: Browser;
let dataDir: string;

before(async () => {
  ensureRendererBuilt();
  browser = await launchBrowser();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-history-e2e-'));
});

after(async () => {
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('requests made before a restart are listed after it, with their outcome', async () => {
  const first = await startTestProxy({ dataDir, bridge: true });
  const ok = await postJson(`${first.url}/v1/messages`, {
    model: 'sonnet',
    max_tokens: 20,
    messages: [{ role: 'user', content: 'ECHO:kept' }],
  });
  const okId = ok.headers.get('x-request-id')!;
  await ok.text();
  const failed = await postJson(`${first.url}/v1/chat/completions`, {
    model: 'claude-fake-nologin',
    messages: [{ role: 'user', content: 'x' }],
  });
  const failedId = failed.headers.get('x-request-id')!;
  await failed.text();
  await first.close(); // flushes the history

  const second = await startTestProxy({ dataDir, bridge: true });
  try {
    const { page, errors } = await openDashboard(browser, second.url);
    await expectText(row(page, okId).locator('.c-status'), '200');
    await expectText(row(page, failedId).locator('.c-status'), '401');
    assert.equal(await visibleRows(page).count(), 2);
    await row(page, failedId).click();
    await expectText(page.locator('#detail'), /log in/);
    assert.deepEqual(errors, []);
  } finally {
    await second.close();
  }
});
