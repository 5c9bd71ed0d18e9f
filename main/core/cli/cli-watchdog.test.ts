import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../../test/helpers/test-proxy.js';
import { CliWatchdog, POSIX_WATCHDOG, POWERSHELL_WATCHDOG, WINDOWS_WATCHDOG, watchdogCommand } from './cli-watchdog.js';

/** A stand-in CLI: its own process group, as the proxy starts them. */
function sleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  assert.ok(child.pid);
  return child as ChildProcess & { pid: number };
}

function exited(child: ChildProcess): Promise<unknown> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
}

describe('the CLI watchdog', () => {
  it('POSIX: on end of input it kills the groups still tracked, and only those', async () => {
    const [kept, ended] = [sleeper(), sleeper()];
    const watchdog = spawn('/bin/sh', ['-c', POSIX_WATCHDOG], { stdio: ['pipe', 'ignore', 'inherit'] });
    watchdog.stdin.end(`+${kept.pid}\n+${ended.pid}\n-${ended.pid}\n+99999999\n-99999999\n`);
    await Promise.all([exited(watchdog), exited(kept)]);
    assert.equal(kept.signalCode, 'SIGKILL');
    assert.equal(ended.exitCode, null, 'an untracked pid is left alone');
    assert.equal(ended.signalCode, null);
    ended.kill('SIGKILL');
  });

  it('POSIX: the terminal’s signals do not stop it before its work is done', async () => {
    const child = sleeper();
    const watchdog = spawn('/bin/sh', ['-c', POSIX_WATCHDOG], { stdio: ['pipe', 'pipe', 'inherit'] });
    watchdog.stdin.write(`+${child.pid}\n`);
    await once(watchdog.stdout, 'data');
    for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) watchdog.kill(signal);
    watchdog.stdin.end();
    await Promise.all([exited(watchdog), exited(child)]);
    assert.equal(watchdog.exitCode, 0);
    assert.equal(child.signalCode, 'SIGKILL');
  });

  it('Windows: on end of input it runs taskkill /T /F, by its full path, for each child still tracked', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ccp-watchdog-'));
    try {
      const log = path.join(dir, 'taskkill.log');
      // A bare `taskkill` on PATH (or in the current directory) must not be the one run.
      await writeFile(path.join(dir, 'taskkill'), `#!/bin/sh\necho planted >> '${log}'\n`);
      await chmod(path.join(dir, 'taskkill'), 0o755);
      // On this POSIX host `${SystemRoot}\System32\taskkill.exe` is one file name in `dir`.
      const root = path.join(dir, 'WIN');
      const full = `${root}\\System32\\taskkill.exe`;
      await writeFile(full, `#!/bin/sh\necho "$@" >> '${log}'\n`);
      await chmod(full, 0o755);
      const start = watchdogCommand(
        'win32',
        process.execPath,
        { ...process.env, SystemRoot: root, PATH: `${dir}${path.delimiter}${process.env.PATH}` },
        'node',
      );
      assert.deepEqual(start.args, ['-e', WINDOWS_WATCHDOG, full]);
      assert.equal(watchdogCommand('win32', 'node.exe', {}, 'node').args.at(-1), 'C:\\Windows\\System32\\taskkill.exe');
      const watchdog = spawn(start.command, start.args, { env: start.env, stdio: ['pipe', 'ignore', 'inherit'] });
      watchdog.stdin.write('+11\n+22\n');
      watchdog.stdin.end('-22\n+33\n');
      await exited(watchdog);
      assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n'), ['/T /F /PID 11', '/T /F /PID 33']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Windows under Electron (which cannot act as Node when packaged): the same loop in Windows PowerShell', () => {
    const start = watchdogCommand('win32', 'C:\\App\\Claude Code Proxy.exe', { SystemRoot: 'C:\\WINDOWS' }, 'electron');
    assert.equal(start.command, 'C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    const encoded = start.args.at(-1)!;
    assert.equal(start.args.at(-2), '-EncodedCommand');
    assert.equal(Buffer.from(encoded, 'base64').toString('utf16le'), POWERSHELL_WATCHDOG);
    assert.match(POWERSHELL_WATCHDOG, /& "\$root\\System32\\taskkill\.exe" \/T \/F \/PID \$p/);
  });

  it('a watchdog killed from outside is replaced by one that knows every child still running', async () => {
    const [first, second] = [sleeper(), sleeper()];
    const watchdog = new CliWatchdog();
    watchdog.track(first.pid);
    const original = watchdog.pid!;
    process.kill(original, 'SIGKILL');
    await waitFor(() => watchdog.pid !== original || undefined, 10_000);
    watchdog.track(second.pid);
    watchdog.close();
    await Promise.all([exited(first), exited(second)]);
    assert.equal(first.signalCode, 'SIGKILL');
    assert.equal(second.signalCode, 'SIGKILL');
  });
});
