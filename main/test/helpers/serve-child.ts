import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAKE_CLI, freePort, postJson, waitFor } from './test-proxy.js';

/**
 * The headless proxy (`npm run serve`) in its own process, for tests that
 * measure the process itself: its memory (VmRSS) and its open descriptors,
 * read from /proc. It runs with the fake CLI and a settings file of the
 * test's choosing, optionally under a lower descriptor limit (`ulimit -n`).
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));

export interface ServeChild {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  stderr(): string;
  /** Resident memory in bytes, from /proc/<pid>/status. */
  rss(): number;
  /** Open file descriptors, from /proc/<pid>/fd. */
  fds(): number;
  close(): Promise<void>;
}

export function requireProc(): void {
  assert.ok(
    existsSync('/proc/self/status') && existsSync('/proc/self/fd'),
    'this test reads /proc/<pid>/status and /proc/<pid>/fd: it needs Linux /proc',
  );
}

export async function startServeChild(
  options: { settings?: object; env?: NodeJS.ProcessEnv; maxFiles?: number } = {},
): Promise<ServeChild> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-serve-child-'));
  await writeFile(path.join(dataDir, 'settings.json'), JSON.stringify(options.settings ?? {}));
  const port = await freePort();
  const args = [
    '--import',
    'tsx',
    'main/serve.ts',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--data-dir',
    dataDir,
    '--claude-path',
    FAKE_CLI,
    '--log-level',
    'warn',
  ];
  // exec, so the pid is the proxy's own and the limit is the one it runs under.
  const limit = options.maxFiles ? `ulimit -n ${options.maxFiles} && ` : '';
  const child: ChildProcess = spawn('/bin/sh', ['-c', `${limit}exec "$0" "$@"`, process.execPath, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () =>
      fetch(`${url}/health`).then(
        (response) => response.ok || undefined,
        () => undefined,
      ),
    30_000,
    100,
  ).catch(() => {
    child.kill('SIGKILL');
    throw new Error(`serve did not start: ${stderr}`);
  });
  const pid = child.pid!;
  return {
    url,
    port,
    pid,
    dataDir,
    stderr: () => stderr,
    rss: () => (requireProc(), Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024),
    fds: () => (requireProc(), readdirSync(`/proc/${pid}/fd`).length),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A server for the flood tests: no warm pool and no rate limit to get in the
 * way, and one ordinary request served first, so the resident memory it
 * answers as `baseline` includes what serving at all costs.
 */
export async function startFloodTarget(): Promise<{ proxy: ServeChild; baseline: number }> {
  const proxy = await startServeChild({
    settings: { pool: { enabled: false }, rateLimit: { requestsPerMinute: 100_000, burst: 100_000 } },
  });
  const warm = await postJson(`${proxy.url}/v1/messages`, { model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(warm.status, 200);
  await warm.text();
  return { proxy, baseline: proxy.rss() };
}
