import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../core/logger.js';
import { MAX_EVENT_STREAMS } from '../core/http/dashboard.js';
import { dashboardAuth, dashboardLink, httpRequest, postJson, startTestProxy, waitFor, type TestProxy } from './helpers/test-proxy.js';

/**
 * The dashboard answers its owner only: whoever holds the per-install secret.
 * Each test is an attack from the issue, tried again: it must now fail.
 */

const KEY = 'test-access-key-0123456789';
const invoke = (proxy: TestProxy, channel: string) => `${proxy.url}/dashboard/api/invoke/${encodeURIComponent(channel)}`;
const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

describe('the dashboard without its token', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ bridge: true });
  });
  after(() => proxy.close());

  test('every call that reads or changes state is a 401 JSON; the static page loads', async () => {
    for (const channel of ['settings:update', 'requests:list', 'proxy:getState', 'proxy:stop', 'limits:list']) {
      const response = await postJson(invoke(proxy, channel), { payload: { cliPath: '/tmp/x/claude' } });
      assert.equal(response.status, 401, channel);
      assert.equal(await errorCode(response), 'dashboard_token_required');
    }
    const events = await fetch(`${proxy.url}/dashboard/api/events`);
    assert.equal(events.status, 401);
    assert.match(events.headers.get('content-type') ?? '', /json/);
    assert.equal(await errorCode(events), 'dashboard_token_required');
    assert.equal((await fetch(`${proxy.url}/dashboard/`)).status, 200);
    assert.equal((await fetch(`${proxy.url}/dashboard/app.js`)).status, 200);
    assert.equal(proxy.proxy.currentSettings.cliPath, proxy.proxy.options.settings.cliPath, 'cliPath unchanged');
    // A forged cookie is no better than none.
    const forged = await postJson(
      invoke(proxy, 'requests:list'),
      {},
      await dashboardAuth(proxy.url, proxy.dataDir).then((real) => ({ ...real, cookie: real.cookie.replace(/=.*/, '=AAAA') })),
    );
    assert.equal(forged.status, 401);
  });

  test('the secret: 32 random bytes, base64url, 0600 in a 0700 data directory; the cookie is derived, HttpOnly, SameSite=Strict, /dashboard', async () => {
    const link = await dashboardLink(proxy.url, proxy.dataDir);
    const token = new URL(link).hash.replace('#token=', '');
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await stat(path.join(proxy.dataDir, 'dashboard-secret'))).mode & 0o777, 0o600);
    assert.equal((await stat(proxy.dataDir)).mode & 0o777, 0o700);
    const traded = await postJson(`${proxy.url}/dashboard/api/session`, { token });
    assert.equal(traded.status, 200);
    const cookie = traded.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^ccp_dashboard_[0-9a-f]{12}=[A-Za-z0-9_-]+;/);
    assert.match(cookie, /; path=\/dashboard/i);
    assert.match(cookie, /; httponly/i);
    assert.match(cookie, /; samesite=strict/i);
    assert.ok(!cookie.includes(token), 'the cookie is not the secret itself');
    const { pageKey } = (await traded.json()) as { pageKey: string };
    assert.match(pageKey, /^[A-Za-z0-9_-]{43}$/);
    const owner = { Cookie: cookie.split(';')[0]!, 'x-dashboard-key': pageKey };
    const listed = await postJson(invoke(proxy, 'requests:list'), {}, owner);
    assert.equal(listed.status, 200);
    const session = await fetch(`${proxy.url}/dashboard/api/session`, { headers: owner });
    assert.deepEqual(await session.json(), { authenticated: true, accessKeyRequired: false });
    // The cookie alone is what a server on another port of this host receives: it opens nothing.
    assert.equal((await postJson(invoke(proxy, 'requests:list'), {}, { Cookie: owner.Cookie })).status, 401);
    assert.deepEqual(await (await fetch(`${proxy.url}/dashboard/api/session`, { headers: { Cookie: owner.Cookie } })).json(), {
      authenticated: false,
      accessKeyRequired: false,
    });
    assert.equal((await fetch(`${proxy.url}/dashboard/api/events`, { headers: { Cookie: owner.Cookie } })).status, 401);
    assert.equal(
      (
        await postJson(
          invoke(proxy, 'requests:list'),
          {},
          { ...owner, 'x-dashboard-key': pageKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
        )
      ).status,
      401,
    );
  });

  test('a malformed % escape in a channel name is a 400, not a 500 with a stack', async () => {
    const owner = await dashboardAuth(proxy.url, proxy.dataDir);
    for (const bad of ['%E0%A4%A', '%zz', 'proxy%3', '%']) {
      const response = await postJson(`${proxy.url}/dashboard/api/invoke/${bad}`, {}, owner);
      assert.equal(response.status, 400, bad);
      const text = await response.text();
      assert.match(text, /malformed_path/);
      assert.ok(!/URIError|at /.test(text), text);
    }
  });
});

test('a data directory open to others is closed (0700) at start, and an existing secret kept', async () => {
  const parent = await mkdtemp(path.join(tmpdir(), 'ccp-owner-'));
  const dataDir = path.join(parent, 'data');
  await mkdir(dataDir, { mode: 0o755 });
  const { chmod } = await import('node:fs/promises');
  await chmod(dataDir, 0o755);
  const first = await startTestProxy({ dataDir, bridge: true });
  const secret = await readFile(path.join(dataDir, 'dashboard-secret'), 'utf8');
  await first.close();
  assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
  const second = await startTestProxy({ dataDir, bridge: true });
  try {
    assert.equal(await readFile(path.join(dataDir, 'dashboard-secret'), 'utf8'), secret, 'one secret per install, kept across restarts');
  } finally {
    await second.close();
    await rm(parent, { recursive: true, force: true });
  }
});

test('wrong tokens are counted per address: after 10 a minute a wrong one is a 429, logged and shown as refused; the right one still passes', async () => {
  let now = 1_000_000;
  const warnings: string[] = [];
  const logger = createLogger((level, message) => level === 'warn' && warnings.push(message), 'debug');
  const proxy = await startTestProxy({ bridge: true, now: () => now, logger });
  try {
    const token = new URL(await dashboardLink(proxy.url, proxy.dataDir)).hash.replace('#token=', '');
    for (let i = 0; i < 10; i += 1) {
      const wrong = await postJson(`${proxy.url}/dashboard/api/session`, { token: `guess-${i}` });
      assert.equal(wrong.status, 401);
    }
    const blocked = await postJson(`${proxy.url}/dashboard/api/session`, { token: 'guess-10' });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.equal(warnings.filter((line) => /wrong token/.test(line)).length, 10);
    const refused = proxy.proxy.requests().filter((record) => record.refused);
    assert.deepEqual(
      refused.map((record) => record.status),
      [...Array(10).fill(401), 429],
    );
    assert.equal(proxy.proxy.trackedClients, 0, 'refusals count toward no rate limit');
    assert.equal((await postJson(`${proxy.url}/dashboard/api/session`, { token })).status, 200, 'the owner is never locked out');
    now += 61_000;
    assert.equal(
      (await postJson(`${proxy.url}/dashboard/api/session`, { token: 'guess-11' })).status,
      401,
      'a minute later wrong ones are checked again',
    );
  } finally {
    await proxy.close();
  }
});

test('access-key mode: wrong keys are rate-limited per address and logged', async () => {
  let now = 5_000_000;
  const warnings: string[] = [];
  const logger = createLogger((level, message) => level === 'warn' && warnings.push(message), 'debug');
  const proxy = await startTestProxy({ settings: { accessKey: KEY }, now: () => now, logger });
  try {
    const models = (key: string, localAddress = '127.0.0.1') =>
      httpRequest(proxy.port, 'GET', '/v1/models', undefined, { localAddress, headers: { 'x-api-key': key } });
    for (let i = 0; i < 10; i += 1) assert.equal((await models(`wrong-${i}`)).status, 401);
    const blocked = await models('wrong-10');
    assert.equal(blocked.status, 429);
    assert.match(blocked.text, /Too many wrong keys/);
    assert.equal((await models(KEY)).status, 200, 'the right key always passes: the owner is not locked out');
    assert.equal((await models(KEY, '127.0.0.2')).status, 200, 'per address: another client is not locked out');
    assert.equal(warnings.filter((line) => line === 'Wrong access key').length, 10);
    const refused = proxy.proxy.requests().filter((record) => record.refused);
    assert.equal(refused.length, 11);
    assert.ok(refused.every((record) => record.clientIp === '127.0.0.1' && record.path === '/v1/models'));
    now += 61_000;
    assert.equal((await models('wrong-11')).status, 401);
  } finally {
    await proxy.close();
  }
});

test('a flood of refused requests stays bounded: 20 entries a minute per address, none in history, no rate-limit counter', async () => {
  const proxy = await startTestProxy({ bridge: true });
  try {
    await Promise.all(
      Array.from({ length: 200 }, () => httpRequest(proxy.port, 'GET', '/v1/models', undefined, { headers: { Host: 'evil.example' } })),
    );
    const refused = proxy.proxy.requests().filter((record) => record.refused);
    assert.equal(refused.length, 20);
    assert.equal(proxy.proxy.trackedClients, 0);
    // A real request is still logged and written to history; the refused ones are not.
    assert.equal(
      (await postJson(`${proxy.url}/v1/messages`, { model: 'sonnet', max_tokens: 8, messages: [{ role: 'user', content: 'ECHO:ok' }] }))
        .status,
      200,
    );
    const historyFile = path.join(proxy.dataDir, 'history', 'history.jsonl');
    const lines = await waitFor(async () => {
      const text = await readFile(historyFile, 'utf8').catch(() => '');
      return text.includes('/v1/messages') ? text.trim().split('\n') : undefined;
    });
    assert.equal(lines.length, 1);
    assert.ok(!lines.some((line) => line.includes('"refused":true')));
  } finally {
    await proxy.close();
  }
});

test('refusals from many addresses are capped in all: 200 entries a minute', async () => {
  const proxy = await startTestProxy();
  try {
    for (let host = 2; host < 17; host += 1) {
      await Promise.all(
        Array.from({ length: 20 }, () =>
          httpRequest(proxy.port, 'GET', '/v1/models', undefined, { localAddress: `127.0.0.${host}`, headers: { Host: 'evil.example' } }),
        ),
      );
    }
    const refused = proxy.proxy.requests().filter((record) => record.refused);
    assert.equal(refused.length, 200);
  } finally {
    await proxy.close();
  }
});

test('refused requests reach the window through the bridge, marked refused: Host, Origin, key-less dashboard, body over the limit', async () => {
  const proxy = await startTestProxy({ bridge: true, settings: { maxBodyBytes: 1024 } });
  try {
    const owner = await dashboardAuth(proxy.url, proxy.dataDir);
    const events = await fetch(`${proxy.url}/dashboard/api/events`, { headers: owner });
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    const ids = [
      (await httpRequest(proxy.port, 'GET', '/v1/models', undefined, { headers: { Host: 'evil.example' } })).headers['x-request-id'],
      (await httpRequest(proxy.port, 'GET', '/v1/models', undefined, { headers: { Origin: 'http://evil.example' } })).headers[
        'x-request-id'
      ],
      (await httpRequest(proxy.port, 'POST', '/dashboard/api/invoke/requests%3Aclear', {})).headers['x-request-id'],
      (
        await httpRequest(proxy.port, 'POST', '/v1/messages', {
          model: 'sonnet',
          max_tokens: 8,
          messages: [{ role: 'user', content: 'x'.repeat(4096) }],
        })
      ).headers['x-request-id'],
      (
        await httpRequest(
          proxy.port,
          'POST',
          '/dashboard/api/invoke/requests%3Alist',
          { payload: 'x'.repeat(300 * 1024) },
          { headers: owner },
        )
      ).headers['x-request-id'],
    ] as string[];
    const listed = await postJson(`${proxy.url}/dashboard/api/invoke/requests%3Alist`, {}, owner);
    const records = ((await listed.json()) as { result: { id: string; refused?: boolean; status: number }[] }).result;
    const byId = new Map(records.map((record) => [record.id, record]));
    assert.deepEqual(
      ids.map((id) => [byId.get(id)?.status, byId.get(id)?.refused]),
      [
        [403, true],
        [403, true],
        [401, true],
        [413, true],
        [413, true],
      ],
    );
    // And live, on the event stream the page follows.
    let text = '';
    while (!ids.slice(0, 3).every((id) => text.includes(id))) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    assert.match(text, /event: requests:added\ndata: \{[^\n]*"refused":true/);
    await reader.cancel();
  } finally {
    await proxy.close();
  }
});

test('allowedOrigins opens the API to that origin, never the dashboard', async () => {
  const origin = 'http://app.example';
  const proxy = await startTestProxy({ bridge: true, settings: { allowedOrigins: [origin] } });
  try {
    const api = await fetch(`${proxy.url}/v1/models`, { headers: { Origin: origin } });
    assert.equal(api.status, 200);
    assert.equal(api.headers.get('access-control-allow-origin'), origin);
    const owner = await dashboardAuth(proxy.url, proxy.dataDir);
    for (const channel of ['settings:update', 'requests:list', 'settings:get']) {
      const response = await postJson(invoke(proxy, channel), { payload: { logBodies: true } }, { Origin: origin, ...owner });
      assert.equal(response.status, 403, channel);
      assert.equal(response.headers.get('access-control-allow-origin'), null);
    }
    const events = await fetch(`${proxy.url}/dashboard/api/events`, { headers: { Origin: origin, ...owner } });
    assert.equal(events.status, 403);
    const preflight = await fetch(invoke(proxy, 'settings:update'), {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(preflight.status, 403);
    assert.equal(proxy.proxy.currentSettings.logBodies, false);
  } finally {
    await proxy.close();
  }
});

test('bound to 0.0.0.0 with a key: the dashboard keeps its Host check and needs the key to get a session, even from loopback', async () => {
  const proxy = await startTestProxy({ bridge: true, settings: { host: '0.0.0.0', accessKey: KEY } });
  try {
    const page = (host: string) => httpRequest(proxy.port, 'GET', '/dashboard/', undefined, { headers: { Host: host } });
    assert.equal((await page(`evil.test:${proxy.port}`)).status, 403, 'a rebinding name');
    assert.equal((await page(`127.0.0.1:${proxy.port}`)).status, 200);
    assert.equal((await page(`localhost:${proxy.port}`)).status, 200);
    // The API keeps working under any name with the key: that is what a LAN client sends.
    const api = await httpRequest(proxy.port, 'GET', '/v1/models', undefined, {
      headers: { Host: `my-desktop.lan:${proxy.port}`, 'x-api-key': KEY },
    });
    assert.equal(api.status, 200);

    const token = new URL(await dashboardLink(proxy.url, proxy.dataDir)).hash.replace('#token=', '');
    const tokenOnly = await postJson(`${proxy.url}/dashboard/api/session`, { token });
    assert.equal(tokenOnly.status, 401);
    assert.equal(await errorCode(tokenOnly), 'access_key_required');
    assert.equal((await postJson(`${proxy.url}/dashboard/api/session`, { token, accessKey: 'not-the-key-at-all' })).status, 401);
    const both = await postJson(`${proxy.url}/dashboard/api/session`, { token, accessKey: KEY });
    assert.equal(both.status, 200);
    const cookie = both.headers.get('set-cookie')!.split(';')[0]!;
    const { pageKey } = (await both.json()) as { pageKey: string };
    assert.equal((await postJson(invoke(proxy, 'requests:list'), {}, { Cookie: cookie, 'x-dashboard-key': pageKey })).status, 200);
    // The loopback-mode cookie (no key in it) is not accepted here.
    const { sessionCookieName, sessionValue } = await import('../core/dashboard-secret.js');
    assert.equal(cookie.split('=')[0], sessionCookieName(token));
    assert.equal(
      (
        await postJson(
          invoke(proxy, 'requests:list'),
          {},
          { Cookie: `${sessionCookieName(token)}=${sessionValue(token, undefined)}`, 'x-dashboard-key': pageKey },
        )
      ).status,
      401,
    );
  } finally {
    await proxy.close();
  }
});

test(`${MAX_EVENT_STREAMS * 2 + 22} dashboard event streams: no MaxListenersExceededWarning, at most ${MAX_EVENT_STREAMS} open, listeners released`, async () => {
  const proxy = await startTestProxy({ bridge: true });
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  const abort = new AbortController();
  try {
    const owner = await dashboardAuth(proxy.url, proxy.dataDir);
    const total = MAX_EVENT_STREAMS * 2 + 22;
    const responses = await Promise.all(
      Array.from({ length: total }, () => fetch(`${proxy.url}/dashboard/api/events`, { headers: owner, signal: abort.signal })),
    );
    const statuses = responses.map((response) => response.status);
    assert.equal(statuses.filter((status) => status === 200).length, MAX_EVENT_STREAMS);
    assert.equal(statuses.filter((status) => status === 503).length, total - MAX_EVENT_STREAMS);
    assert.equal(proxy.bridge!.listenerCount('requests:added'), MAX_EVENT_STREAMS);
    // The listener pattern itself: 150 subscribers on one bridge, no emitter warning either.
    const offs = Array.from({ length: 150 }, () => proxy.bridge!.on('requests:added', () => undefined));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      warnings.filter((warning) => /MaxListeners/.test(warning)),
      [],
    );
    offs.forEach((off) => off());
    abort.abort();
    await waitFor(() => proxy.bridge!.listenerCount('requests:added') === 0 || undefined);
    const again = await fetch(`${proxy.url}/dashboard/api/events`, { headers: owner });
    assert.equal(again.status, 200, 'slots come back when streams close');
    await again.body?.cancel();
  } finally {
    process.off('warning', onWarning);
    await proxy.close();
  }
});

test('another account cannot lock the owner out: after the limit of wrong tokens and keys, the right ones still pass', async () => {
  const { AUTH_FAILURES_PER_MINUTE } = await import('../core/http/address-window.js');
  const proxy = await startTestProxy({ bridge: true, settings: { accessKey: KEY } });
  try {
    const owner = await dashboardAuth(proxy.url, proxy.dataDir);
    // Every account on the machine is 127.0.0.1: these wrong guesses come from the owner's address too.
    // Wrong tokens and wrong keys count together, per address.
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE; i += 1) {
      assert.equal((await postJson(`${proxy.url}/dashboard/api/session`, { token: 'wrong' })).status, 401);
    }
    assert.equal((await postJson(`${proxy.url}/dashboard/api/session`, { token: 'wrong' })).status, 429, 'wrong tokens over the limit');
    assert.equal(
      (await fetch(`${proxy.url}/v1/models`, { headers: { 'x-api-key': 'wrong-key-wrong-key' } })).status,
      429,
      'wrong keys over the limit',
    );
    assert.equal(
      (await postJson(invoke(proxy, 'requests:list'), {}, { cookie: owner.cookie })).status,
      429,
      'a cookie without its page key is wrong',
    );
    // The owner: the dashboard session, a fresh token trade, and the SDKs' key all still work.
    assert.equal((await postJson(invoke(proxy, 'requests:list'), {}, owner)).status, 200);
    assert.equal(
      await fetch(`${proxy.url}/dashboard/api/events`, { headers: owner }).then(async (r) => (await r.body?.cancel(), r.status)),
      200,
    );
    assert.equal((await dashboardAuth(proxy.url, proxy.dataDir))['x-dashboard-key'], owner['x-dashboard-key']);
    assert.equal((await fetch(`${proxy.url}/v1/models`, { headers: { 'x-api-key': KEY } })).status, 200);
    assert.equal((await fetch(`${proxy.url}/v1/models`, { headers: { Authorization: `Bearer ${KEY}` } })).status, 200);
    // The refused guesses stay visible to the owner.
    const refused = proxy.proxy.requests().filter((record) => record.refused && record.status === 429);
    assert.ok(refused.length >= 2, `429s in the log: ${refused.length}`);
  } finally {
    await proxy.close();
  }
});
