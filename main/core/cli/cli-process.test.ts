import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postJson, startTestProxy } from '../../test/helpers/test-proxy.js';
import { CliProcess, treeKiller } from './cli-process.js';

const options = { maxLineBytes: 1 << 20, killGraceMs: 1000 };

describe('a CLI process', () => {
  it('a spawn that throws (as a .cmd does on Windows) ends like a failed spawn, and nothing is tracked', async () => {
    const tracked: number[] = [];
    const guard = { track: (pid: number) => tracked.push(pid), untrack: () => {} };
    // A NUL in an argument makes spawn throw at once on every platform, as EINVAL for a .cmd does on Windows.
    const child = new CliProcess({ command: process.execPath, args: ['bad\0arg'], env: {}, cwd: '.' }, { ...options, guard });
    const exit = await child.exited;
    assert.equal(child.running, false);
    assert.equal(child.pid, undefined);
    assert.equal(exit.spawnError?.code, 'ERR_INVALID_ARG_VALUE');
    child.write(['{}'], true);
    assert.deepEqual(await child.stop(), exit);
    assert.deepEqual(tracked, []);
  });

  it('a spawn that throws reaches the client as the usual 503, with the reason', async () => {
    const proxy = await startTestProxy({ env: { BROKEN: 'a\0b' } });
    try {
      const response = await postJson(`${proxy.url}/v1/messages`, {
        model: 'sonnet',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(response.status, 503);
      const body = (await response.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(body.error.type, 'api_error');
      assert.doesNotMatch(body.error.message, /a\0b/, 'the environment is not echoed to the caller');
      assert.match(body.error.message, /^Claude CLI at .+ could not be started \(ERR_INVALID_ARG_VALUE\)\./);
    } finally {
      await proxy.close();
    }
  });

  it('the watchdog holds its pid while it runs', async () => {
    const calls: string[] = [];
    const guard = { track: (pid: number) => calls.push(`+${pid}`), untrack: (pid: number) => calls.push(`-${pid}`) };
    const child = new CliProcess({ command: process.execPath, args: ['-e', ''], env: {}, cwd: '.' }, { ...options, guard });
    await child.exited;
    assert.deepEqual(calls, [`+${child.pid}`, `-${child.pid}`]);
  });

  it('ends the whole tree: the process group on POSIX, taskkill /T /F on Windows', () => {
    const runs: string[][] = [];
    const kills: [number, string][] = [];
    // By full path: a bare `taskkill` is looked for in the current directory first.
    treeKiller(
      'win32',
      (file, args) => runs.push([file, ...args]),
      () => assert.fail('no signals on Windows'),
      { SystemRoot: 'D:\\WIN' },
    )(42, 'SIGTERM');
    treeKiller(
      'win32',
      (file, args) => runs.push([file, ...args]),
      () => assert.fail('no signals on Windows'),
      {},
    )(7, 'SIGKILL');
    assert.deepEqual(runs, [
      ['D:\\WIN\\System32\\taskkill.exe', '/T', '/F', '/PID', '42'],
      ['C:\\Windows\\System32\\taskkill.exe', '/T', '/F', '/PID', '7'],
    ]);
    for (const platform of ['linux', 'darwin'] as const)
      treeKiller(
        platform,
        () => assert.fail('no taskkill'),
        (pid, signal) => void kills.push([pid, signal]),
      )(42, 'SIGTERM');
    assert.deepEqual(kills, [
      [-42, 'SIGTERM'],
      [-42, 'SIGTERM'],
    ]);
    treeKiller(
      'linux',
      () => {},
      () => {
        throw Object.assign(new Error('gone'), { code: 'ESRCH' });
      },
    )(42, 'SIGKILL');
  });
});
