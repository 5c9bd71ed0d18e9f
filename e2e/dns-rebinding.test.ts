import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright';
import { liveCliPids, startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
import { CHROMIUM, ensureRendererBuilt, VIEWPORT } from './helpers/browser.js';

/**
 * DNS rebinding from a real browser: a site's name that resolves to 127.0.0.1
 * (Chromium's host-resolver rules stand in for an attacker's DNS), so the
 * browser believes the proxy's port is part of that site. The proxy must see
 * the foreign Host and refuse, whatever the page tries; nothing reaches the CLI.
 */

const REBOUND = 'rebind.attacker.test';

let proxy: TestProxy;
let attacker: http.Server;
let browser: Browser;
let page: Page;

before(async () => {
  ensureRendererBuilt();
  proxy = await startTestProxy({ bridge: true });
  attacker = http.createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end('<!doctype html><title>attacker</title><p>nothing to see</p>');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`,
    ],
  });
  page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await page.goto(`http://${REBOUND}:${(attacker.address() as AddressInfo).port}/`);
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  attacker?.closeAllConnections();
  await new Promise((resolve) => attacker?.close(resolve));
});

test('the proxy’s port under a rebound name serves nothing: page, API and dashboard API all refused', async () => {
  const target = `http://${REBOUND}:${proxy.port}`;
  // Top-level navigation is what a rebinding attack ends with: the attacker's page, now same-origin.
  const navigation = await (await browser.newContext()).newPage().then((p) => p.goto(`${target}/dashboard/`));
  assert.equal(navigation?.status(), 403);
  assert.match((await navigation!.text()), /host_not_allowed|Host header/);

  // From the attacker's page: simple requests that need no preflight, and the JSON ones.
  const outcome = await page.evaluate(async (base) => {
    const attempts = [
      fetch(`${base}/v1/messages`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"model":"sonnet","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}' }),
      fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"sonnet","messages":[{"role":"user","content":"hi"}]}' }),
      fetch(`${base}/dashboard/api/invoke/proxy%3AsetPort`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payload":{"port":9}}' }),
      fetch(`${base}/health`),
    ];
    return Promise.all(attempts.map((attempt) => attempt.then((r) => (r.type === 'opaque' ? 'opaque' : `read ${r.status}`), () => 'blocked')));
  }, target);
  for (const result of outcome) assert.ok(result === 'opaque' || result === 'blocked', `an attacker page read an answer: ${outcome.join(', ')}`);

  // Nothing got through: no CLI started, the port did not move, no API request was logged.
  assert.deepEqual(await liveCliPids(proxy.pidDir), []);
  assert.equal(proxy.proxy.currentSettings.port, 0);
  assert.equal(proxy.proxy.requestLog.list().filter((record) => record.path.startsWith('/v1/') && !record.refused).length, 0);
  assert.equal((await fetch(`${proxy.url}/health`)).status, 200, 'still serving its own user');
});
