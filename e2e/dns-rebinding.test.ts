import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright';
import { dashboardAuth, liveCliPids, startTestProxy, type TestProxy } from '../main/test/helpers/test-proxy.js';
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
  assert.match(await navigation.text(), /host_not_allowed|Host header/);

  // From the attacker's page: simple requests that need no preflight, and the JSON ones.
  const outcome = await page.evaluate(async (base) => {
    const attempts = [
      fetch(`${base}/v1/messages`, {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'text/plain' },
        body: '{"model":"sonnet","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}',
      }),
      fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model":"sonnet","messages":[{"role":"user","content":"hi"}]}',
      }),
      fetch(`${base}/dashboard/api/invoke/proxy%3AsetPort`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"payload":{"port":9}}',
      }),
      fetch(`${base}/health`),
    ];
    return Promise.all(
      attempts.map((attempt) =>
        attempt.then(
          (r) => (r.type === 'opaque' ? 'opaque' : `read ${r.status}`),
          () => 'blocked',
        ),
      ),
    );
  }, target);
  for (const result of outcome)
    assert.ok(result === 'opaque' || result === 'blocked', `an attacker page read an answer: ${outcome.join(', ')}`);

  // Nothing got through: no CLI started, the port did not move, no API request was logged.
  assert.deepEqual(await liveCliPids(proxy.pidDir), []);
  assert.equal(proxy.proxy.currentSettings.port, 0);
  assert.equal(proxy.proxy.requests().filter((record) => record.path.startsWith('/v1/') && !record.refused).length, 0);
  assert.equal((await fetch(`${proxy.url}/health`)).status, 200, 'still serving its own user');
});

test('bound to 0.0.0.0 with an access key: a page under a rebound name gets nothing from the dashboard either', async () => {
  const key = 'rebinding-test-access-key-0123';
  // Bound to every interface (as `--host 0.0.0.0`), yet the browser's traffic still goes to 127.0.0.1.
  const wide = await startTestProxy({ bridge: true, settings: { host: '0.0.0.0', accessKey: key } });
  try {
    const origin = `http://${REBOUND}:${wide.port}`;
    const rebound = await (await browser.newContext()).newPage();
    // The attacker's page, now same-origin with the proxy under its own name: the proxy must see the name and refuse.
    const navigation = await rebound.goto(`${origin}/dashboard/`);
    assert.equal(navigation?.status(), 403);
    const outcome = await rebound.evaluate(async () => {
      const json = { method: 'POST', headers: { 'content-type': 'application/json' } };
      const statuses = await Promise.all(
        [
          ['/dashboard/api/invoke/settings%3Aupdate', { ...json, body: '{"payload":{"cliPath":"/tmp/x/claude"}}' }],
          ['/dashboard/api/invoke/requests%3Alist', { ...json, body: '{}' }],
          ['/dashboard/api/session', { ...json, body: '{"token":"guess"}' }],
          ['/dashboard/app.js', {}],
        ].map(([url, init]) =>
          fetch(url as string, init as RequestInit).then(
            (response) => response.status,
            () => 0,
          ),
        ),
      );
      const events = await new Promise<string>((resolve) => {
        const source = new EventSource('/dashboard/api/events');
        source.onopen = () => resolve('open');
        source.onerror = () => {
          source.close();
          resolve('error');
        };
      });
      return { statuses, events };
    });
    assert.deepEqual(outcome, { statuses: [403, 403, 403, 403], events: 'error' });
    assert.equal(wide.proxy.currentSettings.cliPath, wide.proxy.options.settings.cliPath, 'cliPath unchanged');
    assert.deepEqual(await liveCliPids(wide.pidDir), []);
    const refused = wide.proxy.requests().filter((record) => record.refused);
    // Every dashboard attempt was turned away at the Host check (the browser's own /favicon.ico ask, outside the dashboard, at the key).
    const dashboardAttempts = refused.filter((record) => record.path.startsWith('/dashboard'));
    assert.ok(dashboardAttempts.length >= 5, JSON.stringify(refused.map((r) => r.path)));
    assert.ok(dashboardAttempts.every((record) => record.error?.code === 'host_not_allowed' && record.status === 403));

    // Its owner, on 127.0.0.1, still gets in, with the token and the key.
    const token = (await import('node:fs/promises')).readFile(`${wide.dataDir}/dashboard-secret`, 'utf8');
    const traded = await fetch(`${wide.url}/dashboard/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: (await token).trim(), accessKey: key }),
    });
    assert.equal(traded.status, 200);
    await assert.rejects(dashboardAuth(wide.url, wide.dataDir), /access_key_required/, 'the token alone is not enough beyond loopback');
  } finally {
    await wide.close();
  }
});
