import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { liveCliPids, startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
import { ensureRendererBuilt, launchBrowser, VIEWPORT } from './helpers/browser.js';

/**
 * A page from another origin, even another loopback port, in the same browser
 * the user keeps the dashboard open in: it must not drive the dashboard API
 * or the proxy API, read them, or frame the page.
 */

let proxy: TestProxy;
let browser: Browser;
let page: Page;
let other: http.Server;
let otherUrl: string;

before(async () => {
  ensureRendererBuilt();
  proxy = await startTestProxy({ bridge: true });
  other = http.createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end('<!doctype html><title>another site</title><p>hello</p>');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await page.goto(`${otherUrl}/`);
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  other?.closeAllConnections();
  await new Promise((resolve) => other?.close(resolve));
});

test('a cross-origin page can neither call nor read the dashboard API or the proxy API', async () => {
  // No named helpers inside: tsx would wrap them in a `__name` call that does not exist in the page.
  const outcome = await page.evaluate(async (target) => {
    const json = { method: 'POST', headers: { 'content-type': 'application/json' } };
    const [invoke, setPort, messages, models] = await Promise.all(
      [
        [`${target}/dashboard/api/invoke/proxy%3AgetState`, { ...json, body: '{}' }],
        [`${target}/dashboard/api/invoke/proxy%3AsetPort`, { ...json, body: '{"payload":{"port":9}}' }],
        [
          `${target}/v1/messages`,
          { ...json, body: JSON.stringify({ model: 'sonnet', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }) },
        ],
        [`${target}/v1/models`, {}],
      ].map(([url, init]) =>
        fetch(url as string, init as RequestInit).then(
          (response) => `read ${response.status}`,
          () => 'blocked',
        ),
      ),
    );
    const events = await new Promise<string>((resolve) => {
      const source = new EventSource(`${target}/dashboard/api/events`);
      source.onopen = () => resolve('open');
      source.onerror = () => {
        source.close();
        resolve('error');
      };
    });
    return { invoke, setPort, messages, models, events };
  }, proxy.url);
  assert.deepEqual(outcome, { invoke: 'blocked', setPort: 'blocked', messages: 'blocked', models: 'blocked', events: 'error' });
  assert.equal(proxy.currentUrl(), proxy.url);
});

test('requests that need no preflight are refused by the server, not just unreadable', async () => {
  const seeded = await fetch(`${proxy.url}/v1/models`);
  await seeded.text();
  const earlier = proxy.proxy.requests();
  const logged = earlier.filter((record) => !record.refused).length;
  const seen = new Set(earlier.map((record) => record.id));
  // `no-cors` with text/plain is what a plain <form> could send: the browser lets it out, the proxy must refuse it.
  await page.evaluate(async (target) => {
    const simple = { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' } } as const;
    await fetch(`${target}/dashboard/api/invoke/requests%3Aclear`, { ...simple, body: '{}' });
    await fetch(`${target}/dashboard/api/invoke/proxy%3Astop`, { ...simple, body: '{}' });
    await fetch(`${target}/v1/messages`, {
      ...simple,
      body: '{"model":"sonnet","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}',
    });
  }, proxy.url);
  const records = proxy.proxy.requests();
  assert.equal(records.filter((record) => !record.refused).length, logged, 'nothing cleared, nothing new reached the API');
  // Each attempt is in the window's log, marked as refused, so the user sees it.
  assert.deepEqual(
    records.filter((record) => record.refused && !seen.has(record.id)).map((record) => `${record.status} ${record.path}`),
    ['403 /dashboard/api/invoke/requests%3Aclear', '403 /dashboard/api/invoke/proxy%3Astop', '403 /v1/messages'],
  );
  assert.equal(proxy.proxy.url, proxy.url, 'still running');
  assert.deepEqual(await liveCliPids(proxy.pidDir), []);
});

test('the dashboard cannot be framed by another site', async () => {
  await page.evaluate((target) => {
    const frame = document.createElement('iframe');
    frame.src = `${target}/dashboard/`;
    document.body.append(frame);
    return new Promise((resolve) => frame.addEventListener('load', resolve));
  }, proxy.url);
  const framed = page.frames().find((frame) => frame !== page.mainFrame());
  assert.ok(framed);
  assert.equal(await framed.locator('#request-rows').count(), 0, 'the dashboard did not render inside the frame');
});
