import { mkdir } from 'node:fs/promises';
import type { ChatRequest } from '../api/chat-request.js';
import { ProxyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { buildLaunch } from './cli-launch.js';
import { cliToolView } from './tool-names.js';
import { CliLocator, readCliVersion, systemHost, type CliCommand } from './cli-locate.js';
import { CliProcess, type CliLaunch } from './cli-process.js';
import { abortError, SlotQueue } from './slot-queue.js';
import type { PlanReport } from './turn-meter.js';
import { runTurn } from './turn-runner.js';
import { TurnStream, type TurnSink } from './turn-stream.js';
import { fileSignature, WarmPool, type PoolSettings, type PoolStats } from './warm-pool.js';

/**
 * Runs one CLI turn per API request under a concurrency cap with a bounded
 * queue, and guarantees the child is gone when the request is: finished,
 * cancelled (client gone), cut (stop sequence, output cap), timed out, or the
 * manager closed. A run's `finished` settles only after the child has exited.
 */

export type CliSettings = Settings['cli'];

export interface CliManagerOptions {
  cli: CliSettings;
  pool: PoolSettings;
  /** Explicit CLI binary (flag, env or settings); otherwise searched for. */
  cliPath: string | undefined;
  /** An empty directory of the proxy's own: the CLI's cwd is shown to the model. */
  workDir: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Told what every turn reports of the plan, and how each turn ended (for the plan state and its refusals). */
  observer?: TurnObserver;
}

export interface TurnObserver {
  plan(report: PlanReport): void;
  /** The turn's failure, or undefined when it was answered. */
  outcome(error: ProxyError | undefined): void;
}

export interface CliHealth {
  path: string | undefined;
  version: string | undefined;
  /** Why the CLI cannot be used, when it cannot. */
  problem: string | undefined;
  lastAuthFailure: { at: string; message: string } | undefined;
  active: number;
  queued: number;
  maxConcurrent: number;
  maxQueue: number;
  pool: PoolStats;
}

export const INSTALL_HINT =
  'Install Claude Code (`npm install -g @anthropic-ai/claude-code`), log in once by running `claude`, or point the proxy at the binary with --claude-path or CLAUDE_CLI_PATH.';

export class CliManager {
  private readonly slots: SlotQueue;
  readonly pool: WarmPool;
  private readonly running = new Set<CliProcess>();
  private closed = false;
  private versionCache:
    { path: string; signature: string | undefined; version: string | undefined; problem: string | undefined } | undefined;
  private lastAuthFailure: CliHealth['lastAuthFailure'];
  private readonly locator: CliLocator;

  constructor(private options: CliManagerOptions) {
    this.slots = new SlotQueue(slotOptions(options.cli));
    this.locator = new CliLocator(systemHost(options.env));
    this.pool = new WarmPool(options.pool, {
      spawn: (launch) => this.spawn(launch),
      logger: options.logger,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  configure(cli: CliSettings, cliPath: string | undefined, pool: PoolSettings = this.options.pool): void {
    if (cliPath !== this.options.cliPath) {
      this.versionCache = undefined;
      void this.pool.reset();
    }
    this.options = { ...this.options, cli, cliPath, pool };
    this.slots.configure(slotOptions(cli));
    this.pool.configure(pool);
  }

  private spawn(launch: CliLaunch): CliProcess {
    return new CliProcess(launch, { maxLineBytes: this.options.cli.maxLineBytes, killGraceMs: this.options.cli.killGraceMs });
  }

  /** Slots in use and requests waiting for one, now (health() also locates the CLI, which may take a while). */
  get load(): { active: number; queued: number } {
    const stats = this.slots.stats;
    return { active: stats.active, queued: stats.queued };
  }

  get activeProcesses(): number {
    return this.running.size;
  }

  /** CLI output read so far by the running children, and how many are paused by a slow reader. */
  get output(): { bytes: number; paused: number } {
    let bytes = 0;
    let paused = 0;
    for (const child of this.running) {
      bytes += child.output.bytes;
      if (child.output.paused) paused++;
    }
    return { bytes, paused };
  }

  /**
   * One turn: waits for a slot, starts (or takes a warm) child, and yields its
   * events as the reader pulls them. Failures before the turn (queue full,
   * no CLI) are thrown from the iterator; failures of the turn are `error` events.
   */
  run(request: ChatRequest): TurnStream {
    return new TurnStream((sink, signal) => this.runTurn(request, sink, signal));
  }

  private async runTurn(request: ChatRequest, sink: TurnSink, signal: AbortSignal): Promise<void> {
    if (this.closed) throw new ProxyError('service_unavailable', 'The proxy is shutting down', { code: 'shutting_down' });
    const release = await this.slots.acquire(signal);
    try {
      const location = await this.locator.locate(this.options.cliPath);
      if (!location.path || !location.command) {
        throw new ProxyError('service_unavailable', location.problem ?? notFound(location.refused), {
          code: 'cli_not_found',
          details: { searched: location.searched.slice(0, 12) },
        });
      }
      await mkdir(this.options.workDir, { recursive: true });
      await this.drive(location.path, location.command, request, signal, sink);
    } finally {
      release();
    }
  }

  private async drive(cliPath: string, command: CliCommand, request: ChatRequest, signal: AbortSignal, sink: TurnSink): Promise<void> {
    if (signal.aborted) throw abortError();
    // Locating and making the work directory awaited: close() may have collected the running processes since.
    if (this.closed) throw new ProxyError('service_unavailable', 'The proxy is shutting down', { code: 'shutting_down' });
    const view = cliToolView(request);
    const launch = buildLaunch(command, this.options.workDir, view.request, this.options.env);
    const child = this.pool.take(launch) ?? this.spawn(launch);
    this.running.add(child);
    sink.push({ type: 'spawned', pid: child.pid });
    try {
      const exit = await runTurn({
        child,
        request: view.request,
        toolName: view.clientName,
        limits: this.options.cli,
        signal,
        logger: this.options.logger,
        ...(this.options.now ? { now: this.options.now } : {}),
        sink: {
          push: (event) => {
            // The answer has begun (or the turn is over): the CLI's start-up and the replay are done, so
            // warming a replacement no longer competes with them for the CPU.
            if (event.type === 'start' || event.type === 'end' || event.type === 'error') this.pool.refill();
            const observer = this.options.observer;
            // The plan belongs to the whole proxy, not to this request.
            if (event.type === 'plan') {
              observer?.plan(event.plan);
              return true;
            }
            if (event.type === 'error') {
              this.noteError(event.error);
              observer?.outcome(event.error);
            } else if (event.type === 'end') {
              this.lastAuthFailure = undefined;
              observer?.outcome(undefined);
            }
            return sink.push(event);
          },
          onDrain: (listener) => sink.onDrain(listener),
        },
      });
      if (exit.spawnError?.code === 'E2BIG') {
        // The system refused this launch's arguments and environment as too long: the CLI is there and
        // stays known. Request-made values are bounded before this (tools.ts), so the user's own
        // environment is what is too large.
        throw new ProxyError(
          'api_error',
          `Claude CLI at ${cliPath} could not be started: its arguments and environment are longer than the system allows (E2BIG). Check for very large environment variables.`,
          { code: 'cli_launch_too_large' },
        );
      }
      if (exit.spawnError) {
        this.versionCache = undefined;
        this.locator.forget();
        throw new ProxyError(
          'service_unavailable',
          `Claude CLI at ${cliPath} could not be started (${exit.spawnError.code ?? exit.spawnError.message}). ${INSTALL_HINT}`,
          {
            code: 'cli_not_startable',
          },
        );
      }
    } finally {
      this.running.delete(child);
      this.pool.refill();
    }
  }

  private noteError(error: ProxyError): void {
    if (error.code === 'not_logged_in') {
      this.lastAuthFailure = { at: new Date((this.options.now ?? Date.now)()).toISOString(), message: error.message };
    }
  }

  async health(): Promise<CliHealth> {
    const location = await this.locator.locate(this.options.cliPath);
    const stats = this.slots.stats;
    const base = {
      lastAuthFailure: this.lastAuthFailure,
      active: stats.active,
      queued: stats.queued,
      maxConcurrent: stats.maxActive,
      maxQueue: stats.maxQueued,
      pool: this.pool.stats(),
    };
    if (!location.path || !location.command) {
      return { ...base, path: location.path, version: undefined, problem: location.problem ?? notFound(location.refused) };
    }
    // Asked again when the binary at that path changed (an update in place), not on every /health.
    // The file that really runs: behind a Windows npm shim, the binary or script it names.
    const signature = fileSignature(location.command.args[0] ?? location.command.command);
    if (this.versionCache?.path !== location.path || this.versionCache.signature !== signature) {
      const cliPath = location.path;
      const version = await readCliVersion(location.command).then(
        (value) => ({ version: value, problem: undefined }),
        (error: Error) => ({ version: undefined, problem: `Claude CLI at ${cliPath} did not answer --version: ${error.message}` }),
      );
      this.versionCache = { path: cliPath, signature, ...version };
    }
    return { ...base, path: location.path, version: this.versionCache.version, problem: this.versionCache.problem };
  }

  /** Accepts work again after close() (the proxy was stopped and started from the tray). */
  reopen(): void {
    this.closed = false;
    this.pool.reopen();
  }

  /** Refuses new work, fails queued requests and ends every child; resolves when all are gone. */
  async close(): Promise<void> {
    this.closed = true;
    this.slots.rejectAll(new ProxyError('service_unavailable', 'The proxy is shutting down', { code: 'shutting_down' }));
    await Promise.all([this.pool.close(), ...[...this.running].map((child) => child.stop())]);
  }
}

function slotOptions(cli: CliSettings) {
  return { maxActive: cli.maxConcurrent, maxQueued: cli.maxQueue, maxWaitMs: cli.queueTimeoutMs };
}

function notFound(refused: string | undefined): string {
  return `Claude CLI not found${refused ? ` (refused: ${refused})` : ''}. ${INSTALL_HINT}`;
}
