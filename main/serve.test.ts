import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServeChild, type ServeChild } from './test/helpers/serve-child.js';
import { dashboardAuth, freePort, FAKE_CLI, postJson } from './test/helpers/test-proxy.js';

/**
 * The headless entry as a user runs it, with its port, host and CLI given as
 * flags: a change from the window is saved to settings.json as that change
 * alone, next to what the user wrote, so the flags never end up in the file.
 */

const root = fileURLToPath(new URL('..', import.meta.url));

describe('npm run serve: settings saved from the window', () => {
  let server: ServeChild;
  let dataDir: string;
  let url: string;
  const settingsFile = () =>
    readFile(path.join(dataDir, 'settings.json'), 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>);
  const update = async (patch: object) => {
    // The owner's way in: the secret the proxy keeps in its data directory, traded for the session cookie.
    const response = await postJson(`${url}/dashboard/api/invoke/settings:update`, { payload: patch }, await dashboardAuth(url, dataDir));
    assert.equal(response.status, 200);
    return ((await response.json()) as { result: { ok: boolean; error?: { field: string } } }).result;
  };

  before(async () => {
    server = await startServeChild({ settings: { modelAliases: { mine: 'opus' }, logBodies: false } });
    ({ url, dataDir } = server);
  });

  after(() => server.close());

  test('only the changed top-level keys are written, whole, next to what was there', async () => {
    assert.equal((await update({ rateLimit: { burst: 3 } })).ok, true);
    assert.deepEqual(await settingsFile(), {
      modelAliases: { mine: 'opus' },
      logBodies: false,
      rateLimit: { requestsPerMinute: 60, burst: 3, maxTrackedClients: 10_000 },
    });

    assert.equal((await update({ modelAliases: { mine: 'opus', 'gpt-4o': 'sonnet' }, history: { enabled: false } })).ok, true);
    const file = await settingsFile();
    assert.deepEqual(file.modelAliases, { mine: 'opus', 'gpt-4o': 'sonnet' });
    assert.deepEqual(Object.keys(file).sort(), ['history', 'logBodies', 'modelAliases', 'rateLimit']);
    for (const flag of ['port', 'host', 'cliPath']) assert.ok(!(flag in file), `${flag} came from a flag and stays out of the file`);

    // And in force without a restart.
    const answer = await postJson(`${url}/v1/chat/completions`, { model: 'gpt-4o', messages: [{ role: 'user', content: 'ECHO:aliased' }] });
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content, 'aliased');
  });

  test('a refused value leaves the file as it was', async () => {
    const before = await settingsFile();
    assert.deepEqual(await update({ rateLimit: { burst: -1 } }), {
      ok: false,
      error: { field: 'rateLimit.burst', message: 'must be at least 0' },
    });
    assert.deepEqual(await settingsFile(), before);
  });
});

test('a data directory that is not private to the owner: the server refuses to start, before reading anything from it', async () => {
  const sticky = await mkdtemp(path.join(tmpdir(), 'ccp-shared-'));
  await chmod(sticky, 0o1777);
  // What another account could have left there, for a proxy that read it anyway.
  await writeFile(path.join(sticky, 'settings.json'), JSON.stringify({ cliPath: '/bin/sh' }));
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'main/serve.ts', '--port', String(await freePort()), '--data-dir', sticky, '--claude-path', FAKE_CLI],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /Not starting: the data directory .* is a shared directory/);
    assert.doesNotMatch(stderr, /listening/);
  } finally {
    await rm(sticky, { recursive: true, force: true });
  }
});
