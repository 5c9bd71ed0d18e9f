import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { InvokeResponse, ProxySnapshot } from '../../../shared/contract.js';
import { FAKE_CLI, liveCliPids, postJson, startTestProxy, waitFor, type TestProxy } from '../../test/helpers/test-proxy.js';
import { HISTORY_FILE } from '../history.js';
import type { Settings } from '../settings.js';
import { BridgeService, type BridgeOptions } from './bridge-service.js';

/** `settings:update` through the real bridge on a real proxy: merged, checked, applied live to the next request, and saved by key. */

type UpdateResult = InvokeResponse<'settings:update'>;

const chat = (model: string, extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'ECHO:hi' }], ...extra });

describe('settings:update', () => {
  let proxy: TestProxy;
  let bridge: BridgeService;
  let saved: { settings: Settings; changed: Partial<Settings> }[];
  let failSave: Error | undefined;
  let states: ProxySnapshot[];
  let login: boolean | null;

  const update = (patch: unknown) => bridge.invoke('settings:update', patch) as Promise<UpdateResult>;
  const open = (options: Partial<BridgeOptions> = {}) => {
    bridge?.close();
    bridge = new BridgeService(proxy.proxy, {
      persist: async (settings, changed) => {
        if (failSave) throw failSave;
        saved.push({ settings, changed });
      },
      ...options,
    });
    bridge.on('proxy:state', (state) => states.push(state));
  };

  before(async () => {
    proxy = await startTestProxy();
  });
  after(async () => {
    bridge?.close();
    await proxy.close();
  });
  beforeEach(() => {
    saved = [];
    failSave = undefined;
    states = [];
    login = null;
    open();
  });

  test('settings:get is the editable view of the settings in force', async () => {
    assert.deepEqual(await bridge.invoke('settings:get', undefined), {
      rateLimit: { requestsPerMinute: 60, burst: 10 },
      cli: { maxConcurrent: 4, maxQueue: 64 },
      cliPath: FAKE_CLI,
      modelAliases: {},
      history: { enabled: true },
      pool: { enabled: false, maxWarm: 2 },
      logBodies: false,
      launchAtLogin: null,
    });
  });

  test('a partial update merges into the nested object, applies to the next request, and saves that whole top-level key only', async () => {
    const before = proxy.proxy.currentSettings;
    const result = await update({ rateLimit: { requestsPerMinute: 120 } });
    assert.equal(result.ok, true);
    assert.ok(result.ok);
    assert.deepEqual(result.settings.rateLimit, { requestsPerMinute: 120, burst: 10 });
    assert.deepEqual(proxy.proxy.currentSettings.rateLimit, { ...before.rateLimit, requestsPerMinute: 120 });
    assert.deepEqual(proxy.proxy.currentSettings.cli, before.cli, 'the rest untouched');
    assert.equal(saved.length, 1);
    assert.deepEqual(saved[0]!.changed, { rateLimit: { requestsPerMinute: 120, burst: 10, maxTrackedClients: 10_000 } });
    assert.equal(saved[0]!.settings, proxy.proxy.currentSettings);
    assert.equal(states.length, 1, 'proxy:state published');

    const response = await fetch(`${proxy.url}/v1/models`);
    await response.text();
    assert.equal(response.headers.get('x-ratelimit-limit'), '120');
  });

  test('saving the same values again changes and saves nothing', async () => {
    const current = proxy.proxy.currentSettings;
    const result = await update({ rateLimit: { requestsPerMinute: current.rateLimit.requestsPerMinute }, logBodies: current.logBodies });
    assert.equal(result.ok, true);
    assert.equal(proxy.proxy.currentSettings, current);
    assert.deepEqual(saved, []);
  });

  test('model aliases replace the whole map, and an alias works on the next request', async () => {
    assert.equal((await postJson(`${proxy.url}/v1/chat/completions`, chat('gpt-4o'))).status, 404);
    assert.equal((await update({ modelAliases: { 'gpt-4o': 'sonnet', 'gpt-4o-mini': 'haiku' } })).ok, true);
    const answer = await postJson(`${proxy.url}/v1/chat/completions`, chat('gpt-4o'));
    assert.equal(answer.status, 200);
    assert.equal((await answer.json()).choices[0].message.content, 'hi');
    assert.equal((await update({ modelAliases: { 'gpt-4o-mini': 'haiku' } })).ok, true);
    assert.deepEqual(proxy.proxy.currentSettings.modelAliases, { 'gpt-4o-mini': 'haiku' }, 'left out means removed');
    assert.deepEqual(saved.at(-1)!.changed, { modelAliases: { 'gpt-4o-mini': 'haiku' } });
    assert.equal((await postJson(`${proxy.url}/v1/chat/completions`, chat('gpt-4o'))).status, 404);
  });

  const refusals: [name: string, patch: unknown, field: string | null, message: RegExp][] = [
    ['a negative burst', { rateLimit: { burst: -1 } }, 'rateLimit.burst', /at least 0/],
    ['a rate over the bound', { rateLimit: { requestsPerMinute: 100_001 } }, 'rateLimit.requestsPerMinute', /at most 100000/],
    ['a fractional concurrency', { cli: { maxConcurrent: 1.5 } }, 'cli.maxConcurrent', /whole number/],
    ['no CLI slots at all', { cli: { maxConcurrent: 0 } }, 'cli.maxConcurrent', /at least 1/],
    ['a queue given as text', { cli: { maxQueue: '5' } }, 'cli.maxQueue', /number/],
    ['too many warm processes', { pool: { maxWarm: 17 } }, 'pool.maxWarm', /at most 16/],
    ['an empty CLI path', { cliPath: '' }, 'cliPath', /empty/],
    ['an alias with an empty name', { modelAliases: { '': 'sonnet' } }, 'modelAliases.', /name must not be empty/],
    ['an alias with an empty target', { modelAliases: { 'gpt-4o': '' } }, 'modelAliases.gpt-4o', /empty/],
    ['an alias to a model the CLI does not take', { modelAliases: { 'gpt-4o': 'gpt-5' } }, 'modelAliases.gpt-4o', /not a model/],
    [
      '101 aliases',
      { modelAliases: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`m${i}`, 'sonnet'])) },
      'modelAliases',
      /at most 100/,
    ],
    ['the port (it has its own channel)', { port: 9000 }, 'port', /cannot be changed here/],
    ['the access key', { accessKey: 'x'.repeat(20) }, 'accessKey', /cannot be changed here/],
    ['a field the window does not edit', { cli: { killGraceMs: 1 } }, 'cli.killGraceMs', /cannot be changed here/],
    ['launch at login where there is none', { launchAtLogin: true }, 'launchAtLogin', /not available/],
    ['no object at all', 'x', null, /object/],
  ];
  for (const [name, patch, field, message] of refusals) {
    test(`refused, naming the field, and nothing changes: ${name}`, async () => {
      const before = structuredClone(proxy.proxy.currentSettings);
      const result = await update(patch);
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.equal(result.error.field, field);
      assert.match(result.error.message, message);
      assert.deepEqual(proxy.proxy.currentSettings, before);
      assert.deepEqual(saved, []);
      assert.deepEqual(states, []);
    });
  }

  test('a valid field next to an invalid one is not applied either', async () => {
    const before = structuredClone(proxy.proxy.currentSettings);
    const result = await update({ rateLimit: { requestsPerMinute: 30, burst: -1 } });
    assert.equal(result.ok, false);
    assert.deepEqual(proxy.proxy.currentSettings, before);
  });

  test('a save that fails puts the previous settings back and says so', async () => {
    const before = proxy.proxy.currentSettings;
    failSave = new Error('EROFS: read-only file system');
    const result = await update({ rateLimit: { burst: 3 }, logBodies: true });
    assert.deepEqual(result, {
      ok: false,
      error: { field: null, message: 'The settings could not be saved, so nothing was changed: EROFS: read-only file system' },
    });
    assert.equal(proxy.proxy.currentSettings, before);
    const response = await fetch(`${proxy.url}/v1/models`);
    await response.text();
    assert.equal(response.headers.get('x-ratelimit-limit'), String(before.rateLimit.requestsPerMinute));
  });

  test('a CLI path that does not exist is refused naming cliPath (it could be created later by anyone); null goes back to finding it', async () => {
    const missing = path.join(proxy.dataDir, 'no-such-claude');
    const refused = await update({ cliPath: missing });
    assert.ok(!refused.ok);
    assert.equal(refused.error.field, 'cliPath');
    assert.match(refused.error.message, /does not exist/);
    assert.equal(proxy.proxy.currentSettings.cliPath, FAKE_CLI);

    const cleared = await update({ cliPath: null });
    assert.ok(cleared.ok);
    assert.equal(cleared.settings.cliPath, null);
    assert.equal(proxy.proxy.currentSettings.cliPath, undefined);
    assert.ok(Object.hasOwn(saved.at(-1)!.changed, 'cliPath'), 'saved as removed');
    assert.equal(saved.at(-1)!.changed.cliPath, undefined);

    assert.equal((await update({ cliPath: FAKE_CLI })).ok, true);
    assert.equal((await (await fetch(`${proxy.url}/health`)).json()).cli.available, true);
  });

  test('cli.maxConcurrent 1: a second request at the same time waits in the queue', async () => {
    assert.equal((await update({ cli: { maxConcurrent: 1 } })).ok, true);
    const controllers = [new AbortController(), new AbortController()];
    const first = postJson(
      `${proxy.url}/v1/messages`,
      { ...chat('claude-fake-slow'), max_tokens: 100, stream: true },
      {},
      controllers[0]!.signal,
    );
    await waitFor(async () => ((await liveCliPids(proxy.pidDir)).length === 1 ? true : undefined));
    const second = postJson(`${proxy.url}/v1/messages`, { ...chat('sonnet'), max_tokens: 100 }, {}, controllers[1]!.signal).catch(
      (error: Error) => error,
    );
    const processes = await waitFor(async () => {
      const health = await (await fetch(`${proxy.url}/health`)).json();
      return health.processes.queued === 1 ? health.processes : undefined;
    });
    assert.deepEqual(processes, { active: 1, queued: 1, max: 1, max_queue: 64 });
    assert.equal((await liveCliPids(proxy.pidDir)).length, 1);
    for (const controller of controllers) controller.abort();
    await Promise.allSettled([first, second]);
    await waitFor(async () => ((await liveCliPids(proxy.pidDir)).length === 0 ? true : undefined));
    assert.equal((await update({ cli: { maxConcurrent: 4 } })).ok, true);
  });

  test('launch at login: shown and set where the host has a login item', async () => {
    const writes: boolean[] = [];
    login = false;
    open({
      launchAtLogin: {
        read: () => login,
        write: (enabled) => {
          writes.push(enabled);
          login = enabled;
          return login;
        },
      },
    });
    assert.equal(((await bridge.invoke('settings:get', undefined)) as { launchAtLogin: boolean | null }).launchAtLogin, false);
    const result = await update({ launchAtLogin: true });
    assert.ok(result.ok);
    assert.equal(result.settings.launchAtLogin, true);
    assert.deepEqual(writes, [true]);
    assert.deepEqual(saved, [], 'the OS keeps it, not settings.json');
  });
});

describe('keep history, switched live', () => {
  let dataDir: string;
  let proxy: TestProxy;
  let bridge: BridgeService;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-settings-history-'));
  });
  afterEach(async () => {
    bridge?.close();
    await proxy?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const historyLines = async () =>
    (await readFile(path.join(dataDir, 'history', HISTORY_FILE), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string });
  const finished = async () => {
    const response = await postJson(`${proxy.url}/v1/messages`, { ...chat('sonnet'), max_tokens: 10 });
    await response.text();
    const id = response.headers.get('x-request-id')!;
    await waitFor(() => proxy.proxy.request(id)?.state === 'done' || undefined);
    return id;
  };
  const setHistory = async (enabled: boolean) => {
    const result = (await bridge.invoke('settings:update', { history: { enabled } })) as UpdateResult;
    assert.equal(result.ok, true);
  };

  test('off at start, turned on: saving starts at once; turned off: it stops at once', async () => {
    proxy = await startTestProxy({ dataDir, settings: { history: { enabled: false } } });
    bridge = new BridgeService(proxy.proxy, { persist: async () => undefined });
    const before = await finished();
    await setHistory(true);
    const kept = await finished();
    await waitFor(async () => ((await historyLines()).length === 1 ? true : undefined));
    assert.deepEqual(
      (await historyLines()).map((line) => line.id),
      [kept],
      `${before} finished while it was off`,
    );

    await setHistory(false);
    const dropped = await finished();

    // Lines are written in the order requests finish, so once the next saved one is in the file, the
    // one that finished while saving was off would be there too, before it: no need to wait for a write that must not come.
    await setHistory(true);
    const again = await finished();
    await waitFor(async () => ((await historyLines()).some((line) => line.id === again) ? true : undefined));
    assert.deepEqual(
      (await historyLines()).map((line) => line.id),
      [kept, again],
      `${dropped} is not written`,
    );
  });
});
