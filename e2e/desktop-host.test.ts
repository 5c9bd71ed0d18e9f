import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
import { ensureRendererBuilt, expectText, launchBrowser, VIEWPORT } from './helpers/browser.js';

/**
 * The same bundle as the desktop window runs it: when the preload's
 * `window.claudeProxy` is there, the page uses it and nothing else. Electron
 * itself is tested elsewhere; here a stand-in bridge plays main's part, so the
 * parts only the desktop host has (the server switch, staying put after a
 * port change) are exercised in a real browser.
 */

// Plain JS, run in the page before its own script: a ProxyBridge with main's behaviour, recording the calls.
const STAND_IN = `
(() => {
  const listeners = {};
  const calls = [];
  const health = { status: 'healthy', version: '9.9.9', uptimeSeconds: 42,
    cli: { available: true, path: '/usr/bin/claude', version: '2.1.331 (Claude Code)', problem: null, lastAuthFailure: null },
    processes: { active: 0, queued: 0, max: 4, maxQueue: 64 } };
  let state = { running: true, url: 'http://127.0.0.1:8000', host: '127.0.0.1', port: 8000, error: null, health, hostKind: 'electron', warnings: [] };
  const record = { id: 'req_desktop', startedAt: Date.now(), clientIp: '127.0.0.1', method: 'POST', path: '/v1/chat/completions', api: 'openai',
    model: 'sonnet', stream: true, state: 'done', status: 200, ttftMs: 120, durationMs: 900, inputTokens: 10, outputTokens: 20,
    stopReason: 'end_turn', error: null, ignored: ['temperature'], tools: [], toolCalls: [], cliPid: 123, userAgent: 'OpenAI/JS', requestBody: null, responseText: null };
  const emit = (channel, payload) => (listeners[channel] || []).forEach((listener) => listener(payload));
  window.__standInCalls = calls;
  window.claudeProxy = {
    async invoke(channel, payload) {
      calls.push(channel);
      switch (channel) {
        case 'proxy:getState': return state;
        case 'proxy:stop': state = { ...state, running: false, url: null }; emit('proxy:state', state); return state;
        case 'proxy:start': state = { ...state, running: true, url: 'http://127.0.0.1:' + state.port }; emit('proxy:state', state); return state;
        case 'proxy:setPort':
          if (payload.port === 8001) return { ok: false, error: { code: 'PORT_IN_USE', message: 'Port 8001 on 127.0.0.1 is already in use by another program' }, state };
          state = { ...state, port: payload.port, url: 'http://127.0.0.1:' + payload.port };
          return { ok: true, state };
        case 'requests:list': return [record];
        case 'requests:clear': return { cleared: 1 };
        case 'requests:cancel': return { cancelled: false };
        case 'limits:list': return [];
        default: throw new Error('unknown channel ' + channel);
      }
    },
    on(channel, listener) {
      (listeners[channel] ||= []).push(listener);
      return () => { listeners[channel] = listeners[channel].filter((l) => l !== listener); };
    },
  };
})();
`;

let proxy: TestProxy;
let browser: Browser;
let page: Page;
const httpBridgeCalls: string[] = [];

before(async () => {
  ensureRendererBuilt();
  proxy = await startTestProxy({ bridge: true });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript({ content: STAND_IN });
  page = await context.newPage();
  page.on('request', (request) => {
    if (request.url().includes('/dashboard/api/')) httpBridgeCalls.push(request.url());
  });
  await page.goto(`${proxy.url}/dashboard/`);
  await expectText(page.locator('#server-state'), 'Running');
});

after(async () => {
  await browser?.close();
  await proxy?.close();
});

test('with window.claudeProxy present the page talks to it only', async () => {
  await expectText(page.locator('#server-url'), 'http://127.0.0.1:8000');
  await expectText(page.locator('#health-cli .card-text'), 'v2.1.331');
  await expectText(page.locator('#request-rows tr[data-id="req_desktop"] .c-path'), '/v1/chat/completions');
  const calls = await page.evaluate(() => (window as unknown as { __standInCalls: string[] }).__standInCalls);
  assert.ok(calls.includes('requests:list') && calls.includes('limits:list'), calls.join());
  assert.deepEqual(httpBridgeCalls, []);
});

test('the server switch stops and starts the proxy', async () => {
  const toggle = page.getByRole('switch', { name: 'Server' });
  assert.equal(await toggle.isEnabled(), true);
  await toggle.click();
  await expectText(page.locator('#server-state'), 'Stopped');
  assert.equal(await toggle.getAttribute('aria-checked'), 'false');
  await expectText(page.locator('#health-status .card-text'), 'Stopped');
  await toggle.press('Space');
  await expectText(page.locator('#server-state'), 'Running');
  assert.equal(await toggle.getAttribute('aria-checked'), 'true');
});

test('a port change keeps the window where it is and says where the proxy went', async () => {
  const before = page.url();
  await page.fill('#port-input', '8001');
  await page.press('#port-input', 'Enter');
  await expectText(page.locator('#port-feedback'), 'PORT_IN_USE');
  await expectText(page.locator('#port-feedback'), 'Still serving on http://127.0.0.1:8000');
  await page.fill('#port-input', '8002');
  await page.press('#port-input', 'Enter');
  await expectText(page.locator('#port-feedback'), 'Now listening on http://127.0.0.1:8002');
  await expectText(page.locator('#server-url'), 'http://127.0.0.1:8002');
  assert.equal(page.url(), before);
});

test('the detail pane shows the ignored-parameters header and a curl for the current address', async () => {
  await page.locator('#request-rows tr[data-id="req_desktop"]').click();
  await expectText(page.locator('#detail'), 'X-Claude-Proxy-Ignored');
  await expectText(page.locator('#detail'), 'temperature');
  await expectText(page.locator('#curl-preview'), "curl -g -N 'http://127.0.0.1:8002/v1/chat/completions'");
  assert.equal(await page.getByRole('button', { name: 'Cancel request' }).isDisabled(), true);
});
