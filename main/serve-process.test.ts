import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FAKE_CLI, freePort, postJson, waitFor } from './test/helpers/test-proxy.js';

/**
 * The compiled server as a process manager runs it (`node dist/main/serve.js`,
 * the `claude-code-proxy` bin): stopped by a signal in the middle of an
 * answer it ends every CLI child and writes history before it exits 0;
 * killed outright, its watchdog still ends every CLI it started; started with
 * --exit-with-parent, it stops when its parent is gone.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const SERVER = path.join(root, 'dist', 'main', 'serve.js');

/** Alive and not a zombie. A zombie is dead but keeps its pid until reaped, which an orphan's new parent may never do. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  // This check needs /proc on Linux; without it, fail loudly rather than pass.
  if (!existsSync('/proc/self/stat')) throw new Error('/proc is not mounted: cannot tell a live process from a zombie');
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false; // gone between the two looks
  }
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

interface Server {
  url: string;
  dataDir: string;
  pidDir: string;
  /** The server itself, or the shell that started it. */
  child: ChildProcess;
  serverPid: number;
  stderr: () => string;
}

const started: Server[] = [];

async function startServer(viaShell = false): Promise<Server> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-serve-process-'));
  const pidDir = path.join(dataDir, 'pids');
  await mkdir(pidDir);
  const port = await freePort();
  const args = [SERVER, '--port', String(port), '--data-dir', dataDir, '--claude-path', FAKE_CLI, '--log-level', 'warn'];
  const env = { ...process.env, FAKE_CLAUDE_PID_DIR: pidDir };
  // The shell stands for `npm run serve`'s: the server is its child and prints its pid so the test can watch it.
  const quoted = [process.execPath, ...args, '--exit-with-parent'].map((arg) => `'${arg}'`).join(' ');
  const child = viaShell
    ? spawn('/bin/sh', ['-c', `${quoted} & echo $!; wait`], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const serverPid = viaShell ? Number((await once(child.stdout!.setEncoding('utf8'), 'data'))[0]) : child.pid!;
  const server = { url: `http://127.0.0.1:${port}`, dataDir, pidDir, child, serverPid, stderr: () => stderr };
  started.push(server);
  await waitFor(
    () =>
      fetch(`${server.url}/health`).then(
        (response) => response.ok || undefined,
        () => undefined,
      ),
    30_000,
    50,
  ).catch(() => {
    throw new Error(`the server did not start: ${stderr}`);
  });
  return server;
}

/** Starts an answer the fake CLI never finishes; resolves once that CLI has the prompt, with every CLI pid so far. */
async function hangingAnswer(server: Server): Promise<{ response: Promise<Response>; pids: number[] }> {
  const response = postJson(`${server.url}/v1/messages`, {
    model: 'claude-fake-hang',
    max_tokens: 50,
    stream: true,
    messages: [{ role: 'user', content: 'wait for it' }],
  });
  response.catch(() => {});
  const pids = await waitFor(
    async () => {
      for (const name of await readdir(server.pidDir)) {
        const text = await readFile(path.join(server.pidDir, name), 'utf8').catch(() => '');
        if (text.includes('wait for it')) return (await readdir(server.pidDir)).map(Number);
      }
      return undefined;
    },
    30_000,
    50,
  );
  return { response, pids };
}

async function historyLines(dataDir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(dataDir, 'history', 'history.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve([child.exitCode, child.signalCode]) : once(child, 'exit');

describe('the compiled server as one process', () => {
  before(() => {
    const build = spawnSync(process.execPath, [path.join(root, 'main', 'build-server.mjs')], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    assert.equal(build.status, 0, 'main/build-server.mjs failed');
  });

  after(async () => {
    for (const server of started) {
      if (isRunning(server.serverPid)) process.kill(server.serverPid, 'SIGKILL');
      for (const pid of (await readdir(server.pidDir).catch(() => [])).map(Number)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      await rm(server.dataDir, { recursive: true, force: true });
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} in the middle of an answer: every CLI ended, history written, exit code 0`, async () => {
      const server = await startServer();
      const { response, pids } = await hangingAnswer(server);
      const exited = exitOf(server.child);
      server.child.kill(signal);
      assert.deepEqual(await exited, [0, null], server.stderr());
      assert.deepEqual(pids.filter(isRunning), [], 'no CLI outlives a clean stop');
      const lines = await historyLines(server.dataDir);
      assert.equal(lines.length, 1, 'the cut request is in history');
      assert.equal(lines[0]!.model, 'claude-fake-hang');
      await response.then((r) => r.text()).catch(() => {});
    });
  }

  test('SIGKILL in the middle of an answer: the CLI it started still ends', async () => {
    const server = await startServer();
    const { pids } = await hangingAnswer(server);
    assert.ok(pids.length > 0);
    const exited = exitOf(server.child);
    server.child.kill('SIGKILL');
    await exited;
    // The watchdog acts at once; the deadline only bounds a failure.
    await waitFor(() => pids.filter(isRunning).length === 0 || undefined, 10_000, 50).catch(() => {
      throw new Error(`CLI processes outlived the proxy: ${pids.filter(isRunning).join(', ')}`);
    });
  });

  test('--exit-with-parent: when the shell that started it is killed, the server stops cleanly on its own', async () => {
    const server = await startServer(true);
    const { pids } = await hangingAnswer(server);
    const shellGone = exitOf(server.child);
    server.child.kill('SIGKILL');
    await shellGone;
    await waitFor(() => !isRunning(server.serverPid) || undefined, 15_000, 50).catch(() => {
      throw new Error(`the server outlived its parent: ${server.stderr()}`);
    });
    assert.deepEqual(pids.filter(isRunning), []);
    assert.equal((await historyLines(server.dataDir)).length, 1, 'a clean stop: history written');
  });
});
