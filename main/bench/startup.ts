import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/test-proxy.js';

/**
 * The headless server as a user starts it: spawned as its own process, timed
 * from spawn to its first 200 on /health, then its resident memory once idle.
 * Both ways of starting it are measured, the compiled JavaScript that
 * `npm run serve` and the bin run and the TypeScript loader it used to run
 * under, so the difference is on the same machine at the same moment.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type StartMode = 'compiled' | 'tsx';

export interface StartupSample {
  readyMs: number;
  /** Resident memory of the server process, idle a moment after it was ready; NaN where the OS does not say. */
  idleRssMb: number;
}

async function rssMb(pid: number): Promise<number> {
  if (process.platform === 'linux') {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
  }
  if (process.platform === 'win32') return NaN;
  return new Promise((resolve) =>
    execFile('ps', ['-o', 'rss=', '-p', String(pid)], (error, stdout) => resolve(error ? NaN : Number(stdout.trim()) / 1024)),
  );
}

export async function measureStartup(mode: StartMode, cliPath: string, idleMs = 2_000): Promise<StartupSample> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-bench-start-'));
  const port = await freePort();
  const entry = mode === 'compiled' ? ['dist/main/serve.js'] : ['--import', 'tsx', 'main/serve.ts'];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...entry, '--port', String(port), '--data-dir', dataDir, '--claude-path', cliPath, '--log-level', 'warn'],
    {
      cwd: root,
      stdio: 'ignore',
    },
  );
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the ${mode} server did not become ready`);
      await sleep(5);
    }
    const readyMs = performance.now() - started;
    await sleep(idleMs);
    return { readyMs, idleRssMb: await rssMb(child.pid!) };
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}
