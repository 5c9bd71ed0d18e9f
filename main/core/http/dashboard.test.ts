import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import Koa from 'koa';
import { silentLogger } from '../logger.js';
import { dashboardAuth, postJson, startTestProxy, waitFor, type TestProxy } from '../../test/helpers/test-proxy.js';
import type { ProxyState } from './context.js';
import { dashboard, DASHBOARD_CSP, defaultBundleDir } from './dashboard.js';
import { errorHandler } from './error-handler.js';

/** The headless host of the window, over real HTTP: the page's files and headers, the contract's invoke and events. */

const invokeUrl = (proxy: TestProxy, channel: string) => `${proxy.url}/dashboard/api/invoke/${encodeURIComponent(channel)}`;

describe('dashboard files', () => {
  let bundle: string;
  let empty: string;
  let server: http.Server;
  let url: string;
  let proxy: TestProxy;

  before(async () => {
    bundle = await mkdtemp(path.join(tmpdir(), 'ccp-bundle-'));
    empty = await mkdtemp(path.join(tmpdir(), 'ccp-nobundle-'));
    await writeFile(path.join(bundle, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(path.join(bundle, 'app.js'), 'export {};');
    await writeFile(path.join(bundle, 'styles.css'), 'body{}');
    proxy = await startTestProxy({ bridge: true });
    const secret = (await readFile(path.join(proxy.dataDir, 'dashboard-secret'), 'utf8')).trim();
    const parts = {
      bridge: proxy.bridge,
      settings: () => proxy.proxy.currentSettings,
      dashboardSecret: () => secret,
      logger: silentLogger,
    };
    // A bare app with only the dashboard, pointed at a fake bundle (or none): no build needed for these tests.
    const app = new Koa<ProxyState>();
    app.use(errorHandler(silentLogger));
    app.use(async (ctx, next) => {
      const dir = ctx.get('x-test-bundle') === 'none' ? empty : bundle;
      return dashboard(parts, () => dir)(ctx, next);
    });
    const handle = app.callback();
    server = http.createServer((request, response) => void handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await proxy.close();
    await rm(bundle, { recursive: true, force: true });
    await rm(empty, { recursive: true, force: true });
  });

  test('/dashboard redirects to /dashboard/, whose relative URLs then resolve under it', async () => {
    const response = await fetch(`${url}/dashboard`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/dashboard/');
  });

  test('the page and its files, with the security headers', async () => {
    for (const [file, type] of [
      ['/dashboard/', 'text/html'],
      ['/dashboard/app.js', 'text/javascript'],
      ['/dashboard/styles.css', 'text/css'],
    ] as const) {
      const response = await fetch(`${url}${file}`);
      assert.equal(response.status, 200, file);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(`^${type}`));
      assert.equal(response.headers.get('content-security-policy'), DASHBOARD_CSP);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(response.headers.get('cache-control'), 'no-store');
    }
    assert.equal((await fetch(`${url}/dashboard/index.html`)).status, 404, 'only the known files are served');
    assert.equal((await fetch(`${url}/dashboard/../package.json`)).status, 404);
  });

  test('a bundle that was not built is a clear 503', async () => {
    const response = await fetch(`${url}/dashboard/`, { headers: { 'x-test-bundle': 'none' } });
    assert.equal(response.status, 503);
    assert.match(await response.text(), /npm run build:renderer/);
  });

  test('the bundle is found under the repo root from source', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    assert.equal(path.resolve(defaultBundleDir()), path.join(root, 'dist', 'renderer'));
  });
});

describe('dashboard API', () => {
  let proxy: TestProxy;
  let bare: TestProxy;

  let owner: Record<string, string>;
  const auth = (headers: Record<string, string> = {}) => ({ ...owner, ...headers });

  before(async () => {
    proxy = await startTestProxy({ bridge: true });
    bare = await startTestProxy();
    owner = await dashboardAuth(proxy.url);
  });

  after(async () => {
    await proxy.close();
    await bare.close();
  });

  test('invoke runs the channel and answers {result}', async () => {
    const response = await postJson(invokeUrl(proxy, 'proxy:getState'), {}, auth());
    assert.equal(response.status, 200);
    const { result } = (await response.json()) as { result: { running: boolean; url: string; hostKind: string } };
    assert.equal(result.running, true);
    assert.equal(result.url, proxy.url);
    assert.equal(result.hostKind, 'dashboard');
  });

  test('a payload that fails the contract is a 400 naming the field; nothing runs', async () => {
    const response = await postJson(invokeUrl(proxy, 'proxy:setPort'), { payload: { port: 'eighty' } }, auth());
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; details: { field: string } } };
    assert.equal(body.error.code, 'validation_error');
    assert.equal(body.error.details.field, 'payload.port');
    assert.equal(proxy.currentUrl(), proxy.url);
  });

  test('unknown channels, wrong methods, wrong content types', async () => {
    assert.equal((await postJson(invokeUrl(proxy, 'proxy:explode'), {}, auth())).status, 404);
    assert.equal((await postJson(invokeUrl(proxy, 'toString'), {}, auth())).status, 404);
    assert.equal((await fetch(invokeUrl(proxy, 'proxy:getState'), { headers: auth() })).status, 405);
    const text = await fetch(invokeUrl(proxy, 'requests:clear'), {
      method: 'POST',
      headers: auth({ 'content-type': 'text/plain' }),
      body: '{}',
    });
    assert.equal(text.status, 415);
    assert.equal((await postJson(invokeUrl(proxy, 'proxy:getState'), '{not json', auth())).status, 400);
  });

  test('without an attached bridge the API is a 404', async () => {
    const response = await postJson(invokeUrl(bare, 'proxy:getState'), {});
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'bridge_not_attached');
    assert.equal((await fetch(`${bare.url}/dashboard/api/events`)).status, 404);
  });

  test('events stream every channel as SSE, and the listeners go with the client', async () => {
    const emitter = proxy.bridge!;
    const before = emitter.listenerCount('requests:added');
    const abort = new AbortController();
    const response = await fetch(`${proxy.url}/dashboard/api/events`, { signal: abort.signal, headers: auth() });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(emitter.listenerCount('requests:added'), before + 1);

    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const models = fetch(`${proxy.url}/v1/models`).then((r) => r.text());
    while (!/event: requests:updated\ndata: .*"state":"done"/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await models;
    assert.match(text, /^retry: \d+\n: connected\n\n/);
    const added = /event: requests:added\ndata: (.*)\n\n/.exec(text);
    assert.ok(added, text);
    assert.equal((JSON.parse(added[1]!) as { path: string }).path, '/v1/models');
    assert.match(text, /event: limits:changed\ndata: \[/);

    abort.abort();
    await waitFor(() => emitter.listenerCount('requests:added') === before || undefined);
  });

  test('the dashboard is neither rate-limited nor put in the request log', async () => {
    proxy.proxy.clearRequests();
    const tracked = proxy.proxy.trackedClients;
    const statuses = await Promise.all(
      Array.from({ length: 90 }, () => postJson(invokeUrl(proxy, 'limits:list'), {}, auth()).then((r) => r.status)),
    );
    assert.deepEqual(new Set(statuses), new Set([200]));
    assert.equal((await fetch(`${proxy.url}/dashboard`, { redirect: 'manual' })).status, 302);
    assert.equal(proxy.proxy.requests().length, 0);
    assert.equal(proxy.proxy.trackedClients, tracked);
  });

  test('the Host and Origin guard covers it: rebinding names and other sites are refused', async () => {
    const rebinding = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${proxy.url}/dashboard/`, { headers: { Host: `evil.example:${proxy.port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    assert.equal(rebinding, 403);
    const crossSite = await postJson(invokeUrl(proxy, 'requests:clear'), {}, auth({ Origin: 'http://evil.example' }));
    assert.equal(crossSite.status, 403);
    const sameOrigin = await postJson(invokeUrl(proxy, 'proxy:getState'), {}, auth({ Origin: proxy.url }));
    assert.equal(sameOrigin.status, 200);
  });
});
