import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { postJson, dashboardAuth, startTestProxy, type TestProxy } from '../../test/helpers/test-proxy.js';
import { checkCliPath, cliPathProblem } from './cli-path-check.js';

/**
 * cliPath names the program that runs with the owner's Claude login, so only
 * a file nobody else can change is accepted: tried with real files, modes and
 * owners (as root, "owned by the user" is root, so another owner is `nobody`).
 */

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe('cliPath rules, on real files', () => {
  let dir: string;
  let good: string;
  let proxy: TestProxy;
  let auth: Record<string, string>;
  const update = async (cliPath: string) => {
    const response = await postJson(`${proxy.url}/dashboard/api/invoke/settings%3Aupdate`, { payload: { cliPath } }, auth);
    assert.equal(response.status, 200);
    return ((await response.json()) as { result: { ok: boolean; error?: { field: string; message: string } } }).result;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ccp-clipath-'));
    good = path.join(dir, 'claude');
    // A CLI that leaves a mark when it runs: a refused path must never run.
    await writeFile(good, `#!/bin/sh\ntouch "${dir}/ran-$(basename "$0")"\nexit 1\n`, { mode: 0o755 });
    await chmod(good, 0o755);
    proxy = await startTestProxy({ bridge: true });
    auth = await dashboardAuth(proxy.url, proxy.dataDir);
  });

  after(async () => {
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  });

  const copy = async (name: string, mode: number) => {
    const file = path.join(dir, name);
    await writeFile(file, await readFile(good));
    await chmod(file, mode);
    return file;
  };

  test('an absolute path to our own executable, not writable by others: accepted and saved', async () => {
    assert.equal(cliPathProblem(good), undefined);
    assert.equal((await update(good)).ok, true);
    assert.equal(proxy.proxy.currentSettings.cliPath, good);
    const saved = JSON.parse(await readFile(path.join(proxy.dataDir, 'settings.json'), 'utf8')) as { cliPath?: string };
    assert.equal(saved.cliPath, good);
  });

  test('refused, naming cliPath, not saved: a directory, a relative path, a missing file, not executable, group- or world-writable', async () => {
    const cases: [string, RegExp][] = [
      [dir, /is a directory/],
      ['claude', /absolute/],
      ['./bin/claude', /absolute/],
      [path.join(dir, 'missing'), /does not exist/],
      [await copy('plain', 0o644), /not executable/],
      [await copy('group-writable', 0o775), /writable by group or others/],
      [await copy('world-writable', 0o757), /writable by group or others/],
      ['/dev/null', /not a regular file/],
    ];
    for (const [cliPath, message] of cases) {
      const before = proxy.proxy.currentSettings.cliPath;
      const result = await update(cliPath);
      assert.equal(result.ok, false, cliPath);
      assert.equal(result.error?.field, 'cliPath');
      assert.match(result.error.message, message, cliPath);
      assert.equal(proxy.proxy.currentSettings.cliPath, before, 'nothing changed');
      const saved = JSON.parse(await readFile(path.join(proxy.dataDir, 'settings.json'), 'utf8')) as { cliPath?: string };
      assert.equal(saved.cliPath, good, 'not saved');
    }
  });

  test('a link to an acceptable file is judged by that file; a link to a writable one is refused', async () => {
    const link = path.join(dir, 'link-good');
    await symlink(good, link);
    assert.equal(cliPathProblem(link), undefined);
    const bad = path.join(dir, 'link-bad');
    await symlink(await copy('writable-target', 0o777), bad);
    assert.match(cliPathProblem(bad) ?? '', /writable/);
  });

  test('a file owned by another account is refused', { skip: isRoot ? false : 'needs root to chown a file to nobody' }, async () => {
    const theirs = await copy('theirs', 0o755);
    await chown(theirs, NOBODY, NOBODY);
    const result = await update(theirs);
    assert.equal(result.ok, false);
    assert.match(result.error!.message, /belongs to another account \(uid 65534\)/);
    // Root's own files are fine (e.g. /usr/bin/…), whoever runs the proxy.
    assert.equal(cliPathProblem('/bin/sh'), undefined);
  });

  test('a directory on the way that others could use to swap the file: refused; a sticky one (like /tmp) is not', async () => {
    const open = path.join(dir, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    const inOpen = path.join(open, 'claude');
    await writeFile(inOpen, await readFile(good));
    await chmod(inOpen, 0o755);
    assert.match(cliPathProblem(inOpen) ?? '', /is in .*open, which group or others can write to/);
    assert.match((await checkCliPath(inOpen)).problem ?? '', /group or others can write/);
    await chmod(open, 0o1777);
    assert.equal(cliPathProblem(inOpen), undefined);
    // The same file reached through a link in a directory others could re-point it from: what runs is the target.
    const link = path.join(dir, 'via-link');
    await symlink(good, link);
    assert.deepEqual(await checkCliPath(link), { real: good });
  });

  test(
    'a directory on the way that belongs to another account: refused',
    { skip: isRoot ? false : 'needs root to chown a directory to nobody' },
    async () => {
      const theirs = path.join(dir, 'theirs-dir');
      await mkdir(theirs);
      const inside = path.join(theirs, 'claude');
      await writeFile(inside, await readFile(good));
      await chmod(inside, 0o755);
      await chown(theirs, NOBODY, NOBODY);
      assert.match(cliPathProblem(inside) ?? '', /theirs-dir, which belongs to another account \(uid 65534\)/);
    },
  );

  test('a link is run as the file it led to when checked, not re-read at spawn', async () => {
    const { locateCli, systemHost } = await import('./cli-locate.js');
    const link = path.join(dir, 'spawn-link');
    await symlink(good, link);
    const location = await locateCli(link, systemHost());
    assert.equal(location.path, link, 'shown as the user gave it');
    assert.equal(location.command?.command, good, 'spawned as the checked target');
  });

  test('from settings.json or --claude-path, a refused path never runs: the CLI is unavailable, saying why', async () => {
    const writable = await copy('from-flag', 0o777);
    const flagged = await startTestProxy({ cliPath: writable });
    try {
      const chat = await postJson(`${flagged.url}/v1/messages`, {
        model: 'sonnet',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(chat.status, 503);
      assert.match(((await chat.json()) as { error: { message: string } }).error.message, /refused: .*writable by group or others/);
      const health = (await (await fetch(`${flagged.url}/health`)).json()) as { status: string; cli: { problem: string } };
      assert.equal(health.status, 'unavailable');
      assert.match(health.cli.problem, /refused/);
      assert.ok(!(await readdir(dir)).includes('ran-from-flag'), 'the refused program never ran');
    } finally {
      await flagged.close();
    }
  });
});

test('a data directory under a shared sticky directory is used, but the sticky directory itself is refused as one', async () => {
  // Only the check itself here: the proxy must never chmod a shared directory like /tmp.
  const { loadDashboardSecret } = await import('../dashboard-secret.js');
  const sticky = await mkdtemp(path.join(tmpdir(), 'ccp-sticky-'));
  await chmod(sticky, 0o1777);
  try {
    await assert.rejects(loadDashboardSecret(sticky), /sticky/);
    const inside = path.join(sticky, 'data');
    await mkdir(inside);
    assert.match(await loadDashboardSecret(inside), /^[A-Za-z0-9_-]{43}$/);
  } finally {
    await rm(sticky, { recursive: true, force: true });
  }
});
