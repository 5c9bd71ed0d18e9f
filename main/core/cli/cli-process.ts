import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { LineFramer } from './line-framer.js';
import { sharedWatchdog, taskkillPath, type ChildGuard } from './cli-watchdog.js';

/**
 * One spawned `claude` child. It runs in its own process group so that ending
 * it also ends anything it started. Stopping follows the Agent SDK's order:
 * SIGTERM to the group, then SIGKILL after a grace period. Closing stdout or
 * stdin alone does not stop the CLI, so it is always signalled. On Windows
 * there are no groups or signals: `taskkill /T /F` ends the child's whole tree
 * (an npm shim's native child included). While it runs, the proxy's watchdog
 * holds its pid, to end it should the proxy die first.
 */

export interface CliLaunch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last few KB of stderr, for error messages. */
  stderrTail: string;
  /** Set when the child could not be started at all (ENOENT, EACCES…). */
  spawnError?: NodeJS.ErrnoException;
}

export interface CliProcessOptions {
  maxLineBytes: number;
  killGraceMs: number;
  /** Told of the child's pid while it runs (default: this process's watchdog). */
  guard?: ChildGuard;
  /** Ends a child's tree (default: by group on POSIX, taskkill on Windows). */
  killTree?: TreeKiller;
}

export type TreeKiller = (pid: number, signal: NodeJS.Signals) => void;

/**
 * POSIX: signal the process group the child leads. Windows: `taskkill /T /F`, at
 * once whatever the signal: `child.kill` would end only the shim or launcher,
 * leaving the real CLI behind it running.
 */
export function treeKiller(
  platform: NodeJS.Platform = process.platform,
  run: (file: string, args: string[]) => void = (file, args) => void execFile(file, args, { windowsHide: true }, () => {}),
  kill: (pid: number, signal: NodeJS.Signals) => void = (pid, signal) => process.kill(pid, signal),
  env: NodeJS.ProcessEnv = process.env,
): TreeKiller {
  if (platform === 'win32') return (pid) => run(taskkillPath(env), ['/T', '/F', '/PID', String(pid)]);
  return (pid, signal) => {
    try {
      kill(-pid, signal);
    } catch {
      // No such group left (ESRCH): the child is gone already.
    }
  };
}

export interface CliOutputHandlers {
  onLine: (line: string) => void;
  /** Any output at all, even part of a line: the child is alive. */
  onActivity?: () => void;
  onOversizeLine?: (bytes: number) => void;
}

const STDERR_TAIL_BYTES = 4096;
const isWindows = process.platform === 'win32';

export class CliProcess {
  readonly exited: Promise<CliExit>;
  readonly pid: number | undefined;
  private readonly child: ChildProcess | undefined;
  private stderrTail = '';
  private hasExited = false;
  private killTimer: NodeJS.Timeout | undefined;
  private handlers: CliOutputHandlers | undefined;
  /** Lines that arrived before anyone attached (a warm process is not expected to print any). */
  private early: string[] = [];
  private readonly killTree: TreeKiller;
  /** Bytes read from stdout so far, and whether reading is paused (the reader is slower than the CLI). */
  private outputBytes = 0;
  private outputPaused = false;

  /**
   * Spawns at once. Output handlers can be given now or attached later (a
   * process started ahead of its request, waiting on stdin).
   */
  constructor(
    launch: CliLaunch,
    private readonly options: CliProcessOptions,
    handlers?: CliOutputHandlers,
  ) {
    this.handlers = handlers;
    this.killTree = options.killTree ?? treeKiller();
    const framer = new LineFramer(options.maxLineBytes, (bytes) => this.handlers?.onOversizeLine?.(bytes));
    let child: ChildProcess;
    try {
      child = spawn(launch.command, launch.args, {
        cwd: launch.cwd,
        env: launch.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: !isWindows,
        windowsHide: true,
      });
    } catch (error) {
      // Some refusals are thrown, not emitted: EINVAL for a .cmd/.bat without a shell (Node ≥ 20.12.2),
      // ERR_INVALID_ARG_VALUE for a NUL in an argument. They end the same way as an 'error' event.
      const spawnError = error as NodeJS.ErrnoException;
      spawnError.code ??= 'EINVAL';
      this.hasExited = true;
      this.pid = undefined;
      this.exited = Promise.resolve({ code: null, signal: null, stderrTail: '', spawnError });
      return;
    }
    this.child = child;
    this.pid = child.pid;
    const guard = options.guard ?? sharedWatchdog();
    if (this.pid !== undefined) guard.track(this.pid);
    this.exited = new Promise((resolve) => {
      let spawnError: NodeJS.ErrnoException | undefined;
      child.once('error', (error: NodeJS.ErrnoException) => {
        spawnError = error;
        // 'close' does not follow a failed spawn.
        if (child.pid === undefined) this.finish(resolve, { code: null, signal: null, stderrTail: '', spawnError }, guard);
      });
      child.once('close', (code, signal) => {
        for (const line of framer.end()) this.deliver(line);
        this.finish(resolve, { code, signal, stderrTail: this.stderrTail, ...(spawnError ? { spawnError } : {}) }, guard);
      });
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      this.outputBytes += chunk.length;
      this.handlers?.onActivity?.();
      for (const line of framer.push(chunk)) this.deliver(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    // A child that dies before reading its input makes writes fail with EPIPE; its exit reports the failure.
    child.stdin?.on('error', () => {});
  }

  attach(handlers: CliOutputHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const line of early) handlers.onLine(line);
  }

  private deliver(line: string): void {
    if (this.handlers) this.handlers.onLine(line);
    else if (this.early.length < 100) this.early.push(line);
  }

  /**
   * Stops reading stdout until `resume`: the pipe fills and the CLI's writes
   * block, so a slow client slows the CLI instead of growing our buffers.
   */
  pause(): void {
    this.outputPaused = true;
    this.child?.stdout?.pause();
  }

  resume(): void {
    this.outputPaused = false;
    this.child?.stdout?.resume();
  }

  get output(): { bytes: number; paused: boolean } {
    return { bytes: this.outputBytes, paused: this.outputPaused };
  }

  get running(): boolean {
    return !this.hasExited;
  }

  write(lines: readonly string[], end: boolean): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return;
    stdin.write(lines.map((line) => `${line}\n`).join(''));
    if (end) stdin.end();
  }

  /** SIGTERM to the process group now, SIGKILL after the grace period. Resolves when the child is gone. */
  stop(): Promise<CliExit> {
    // A paused stdout never ends, and 'close' waits for it: read (and drop) the rest.
    if (this.outputPaused) this.resume();
    if (!this.hasExited && this.killTimer === undefined) {
      this.signal('SIGTERM');
      this.killTimer = setTimeout(() => this.signal('SIGKILL'), this.options.killGraceMs);
      this.killTimer.unref();
    }
    return this.exited;
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.hasExited || this.pid === undefined) return;
    this.killTree(this.pid, signal);
  }

  private finish(resolve: (exit: CliExit) => void, exit: CliExit, guard: ChildGuard): void {
    if (this.hasExited) return;
    this.hasExited = true;
    if (this.killTimer) clearTimeout(this.killTimer);
    if (this.pid !== undefined) {
      // The group may still hold grandchildren the CLI started; they go with it. (On Windows the
      // tree went with taskkill, and a pid whose process is gone may already be another's.)
      if (!isWindows) this.killTree(this.pid, 'SIGKILL');
      guard.untrack(this.pid);
    }
    resolve(exit);
  }
}
