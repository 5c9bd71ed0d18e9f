import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultDataDir, defaultSettings, loadSettings, saveSettings, updateSettingsFile } from './settings.js';

async function withDir(run: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ccp-settings-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('settings', () => {
  it('defaults: loopback, port 8000, 60/min + 10 burst, 4 CLI processes, 32 MB bodies', () => {
    const settings = defaultSettings();
    assert.equal(settings.host, '127.0.0.1');
    assert.equal(settings.port, 8000);
    assert.deepEqual([settings.rateLimit.requestsPerMinute, settings.rateLimit.burst], [60, 10]);
    assert.equal(settings.cli.maxConcurrent, 4);
    assert.equal(settings.cli.maxQueue, 64);
    assert.equal(settings.cli.requestTimeoutMs, 600_000);
    assert.equal(settings.maxBodyBytes, 32 * 1024 * 1024);
    assert.equal(settings.accessKey, undefined);
  });

  it('a missing file gives defaults without a problem', () =>
    withDir(async (dir) => {
      const loaded = await loadSettings(dir);
      assert.equal(loaded.problem, undefined);
      assert.deepEqual(loaded.settings, defaultSettings());
    }));

  it('a partial file is completed with defaults', () =>
    withDir(async (dir) => {
      await writeFile(
        path.join(dir, 'settings.json'),
        JSON.stringify({ port: 9000, rateLimit: { burst: 3 }, modelAliases: { 'gpt-4o': 'sonnet' } }),
      );
      const { settings, problem } = await loadSettings(dir);
      assert.equal(problem, undefined);
      assert.equal(settings.port, 9000);
      assert.equal(settings.rateLimit.burst, 3);
      assert.equal(settings.rateLimit.requestsPerMinute, 60);
      assert.deepEqual(settings.modelAliases, { 'gpt-4o': 'sonnet' });
    }));

  for (const [name, content, mention] of [
    ['not JSON', '{"port": 80,', 'not valid JSON'],
    ['invalid fields', '{"port": "eighty", "cli": {"maxConcurrent": 0}}', 'port'],
  ] as const) {
    it(`a file with ${name} is reported, copied aside, left in place, and defaults are used`, () =>
      withDir(async (dir) => {
        const file = path.join(dir, 'settings.json');
        await writeFile(file, content);
        const { settings, problem } = await loadSettings(dir);
        assert.deepEqual(settings, defaultSettings());
        assert.match(problem ?? '', new RegExp(mention));
        assert.match(problem ?? '', /copy is kept/);
        assert.equal(await readFile(file, 'utf8'), content, 'never silently overwritten');
        const aside = (await readdir(dir)).filter((name) => name.startsWith('settings.json.invalid-'));
        assert.equal(aside.length, 1);
        assert.equal(await readFile(path.join(dir, aside[0]!), 'utf8'), content);
      }));
  }

  it('saves atomically and reads back what it saved', () =>
    withDir(async (dir) => {
      const settings = { ...defaultSettings(), port: 8123 };
      await saveSettings(path.join(dir, 'nested'), settings);
      const loaded = await loadSettings(path.join(dir, 'nested'));
      assert.equal(loaded.settings.port, 8123);
      assert.deepEqual(await readdir(path.join(dir, 'nested')), ['settings.json'], 'no temp file left behind');
    }));

  it('the data directory is the platform app-data folder for "Claude Code Proxy"', () => {
    assert.equal(defaultDataDir('linux', {}, '/home/u'), '/home/u/.config/Claude Code Proxy');
    assert.equal(defaultDataDir('linux', { XDG_CONFIG_HOME: '/x' }, '/home/u'), '/x/Claude Code Proxy');
    assert.equal(defaultDataDir('darwin', {}, '/Users/u'), '/Users/u/Library/Application Support/Claude Code Proxy');
    assert.equal(
      defaultDataDir('win32', { APPDATA: 'C:\\\\Users\\\\u\\\\AppData\\\\Roaming' }, 'C:\\\\Users\\\\u').endsWith('Claude Code Proxy'),
      true,
    );
  });
});

describe('updateSettingsFile', () => {
  it('changes only the given fields and keeps the rest as written', () =>
    withDir(async (dir) => {
      await writeFile(path.join(dir, 'settings.json'), JSON.stringify({ rateLimit: { burst: 3 }, modelAliases: { a: 'sonnet' } }));
      await updateSettingsFile(dir, { port: 9001 });
      assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8')), {
        rateLimit: { burst: 3 },
        modelAliases: { a: 'sonnet' },
        port: 9001,
      });
    }));

  it('creates the file when there is none, and refuses an invalid change', () =>
    withDir(async (dir) => {
      await updateSettingsFile(dir, { port: 9002 });
      assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8')), { port: 9002 });
      await assert.rejects(updateSettingsFile(dir, { port: -1 }));
      assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8')), { port: 9002 });
    }));
});
