import { spawn, type ChildProcess } from 'node:child_process';
import { LineFramer } from './line-framer.js';

/**
 * One spawned `claude` child. It runs in its own process group so that ending
 * it also ends anything it started. Stopping follows the Agent SDK's order:
 * SIGTERM to the group, then SIGKILL after a grace period. Closing stdout or
 * stdin alone does not stop the CLI, so it is always signalled.
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
  private readonly child: ChildProcess;
  private stderrTail = '';
  private hasExited = false;
  private killTimer: NodeJS.Timeout | undefined;
  private handlers: CliOutputHandlers | undefined;
  /** Lines that arrived before anyone attached (a warm process is not expected to print any). */
  private early: string[] = [];
  readonly spawnedAt = Date.now();

  /**
   * Spawns at once. Output handlers can be given now or attached later (a
   * process started ahead of its request, waiting on stdin).
   */
  constructor(launch: CliLaunch, private readonly options: CliProcessOptions, handlers?: CliOutputHandlers) {
    this.handlers = handlers;
    const framer = new LineFramer(options.maxLineBytes, (bytes) => this.handlers?.onOversizeLine?.(bytes));
    this.child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: !isWindows,
      windowsHide: true,
    });
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => {
      let spawnError: NodeJS.ErrnoException | undefined;
      this.child.once('error', (error: NodeJS.ErrnoException) => {
        spawnError = error;
        // 'close' does not follow a failed spawn.
        if (this.child.pid === undefined) this.finish(resolve, { code: null, signal: null, stderrTail: '', spawnError });
      });
      this.child.once('close', (code, signal) => {
        for (const line of framer.end()) this.deliver(line);
        this.finish(resolve, { code, signal, stderrTail: this.stderrTail, ...(spawnError ? { spawnError } : {}) });
      });
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.handlers?.onActivity?.();
      for (const line of framer.push(chunk)) this.deliver(line);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    // A child that dies before reading its input makes writes fail with EPIPE; its exit reports the failure.
    this.child.stdin?.on('error', () => {});
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

  get running(): boolean {
    return !this.hasExited;
  }

  write(lines: readonly string[], end: boolean): void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return;
    stdin.write(lines.map((line) => `${line}\n`).join(''));
    if (end) stdin.end();
  }

  /** SIGTERM to the process group now, SIGKILL after the grace period. Resolves when the child is gone. */
  stop(): Promise<CliExit> {
    if (!this.hasExited && this.killTimer === undefined) {
      this.signal('SIGTERM');
      this.killTimer = setTimeout(() => this.signal('SIGKILL'), this.options.killGraceMs);
      this.killTimer.unref();
    }
    return this.exited;
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.hasExited || this.pid === undefined) return;
    try {
      if (isWindows) this.child.kill(signal);
      else process.kill(-this.pid, signal);
    } catch {
      // Already gone (ESRCH): the 'close' event is on its way.
    }
  }

  private finish(resolve: (exit: CliExit) => void, exit: CliExit): void {
    if (this.hasExited) return;
    this.hasExited = true;
    if (this.killTimer) clearTimeout(this.killTimer);
    // The group may still hold grandchildren the CLI started; they go with it.
    if (!isWindows && this.pid !== undefined) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // No such group left: nothing to clean up.
      }
    }
    resolve(exit);
  }
}
