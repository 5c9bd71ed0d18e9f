import path from 'node:path';
import type { ProxySnapshot, ServerErrorInfo } from '../../shared/contract.js';
import { CliManager } from './cli/cli-manager.js';
import { createApp } from './http/app.js';
import type { AppDeps } from './http/context.js';
import { healthBody } from './http/health.js';
import type { Logger } from './logger.js';
import { RateLimiter } from './rate-limiter.js';
import { RequestLog } from './request-log.js';
import { ServerController, ServerError } from './server-controller.js';
import type { Settings } from './settings.js';

/**
 * The composition root shared by the headless server and the desktop shell:
 * one of each core part, wired together, with settings applied live. It can be
 * stopped and started again (the tray's toggle); `shutdown` is for good.
 */

export interface ProxyOptions {
  settings: Settings;
  dataDir: string;
  logger: Logger;
  version: string;
  /** Environment for the CLI children (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  hostKind?: ProxySnapshot['host_kind'];
}

export class ProxyService {
  readonly cli: CliManager;
  readonly limiter: RateLimiter;
  readonly requestLog = new RequestLog();
  readonly inflight = new Map<string, () => void>();
  readonly server: ServerController;
  readonly deps: AppDeps;
  /** Problems worth showing in the window (bad settings file, unwritable history…). */
  readonly warnings = new Set<string>();
  private settings: Settings;
  private lastError: ServerErrorInfo | null = null;
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(readonly options: ProxyOptions) {
    this.settings = options.settings;
    this.cli = new CliManager({
      cli: options.settings.cli,
      cliPath: options.settings.cliPath,
      workDir: path.join(options.dataDir, 'cli-workdir'),
      logger: options.logger,
      ...(options.env ? { env: options.env } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    this.limiter = new RateLimiter(options.settings.rateLimit, options.now);
    this.deps = {
      settings: () => this.settings,
      cli: this.cli,
      limiter: this.limiter,
      requestLog: this.requestLog,
      logger: options.logger,
      version: options.version,
      startedAt: (options.now ?? Date.now)(),
      inflight: this.inflight,
      ...(options.now ? { now: options.now } : {}),
    };
    this.server = new ServerController(createApp(this.deps).callback());
    this.pruneTimer = setInterval(() => this.limiter.prune(), 60_000);
    this.pruneTimer.unref();
  }

  get currentSettings(): Settings {
    return this.settings;
  }

  async start() {
    this.cli.reopen();
    try {
      const info = await this.server.listen(this.settings.port, this.settings.host);
      this.lastError = null;
      return info;
    } catch (error) {
      this.lastError = errorInfo(error);
      throw error;
    }
  }

  /** Applies new settings; a port or host change moves the listener (the old one stays if that fails). */
  async apply(settings: Settings): Promise<void> {
    const moved = settings.port !== this.settings.port || settings.host !== this.settings.host;
    if (moved && this.server.listening) {
      try {
        await this.server.listen(settings.port, settings.host);
        this.lastError = null;
      } catch (error) {
        this.lastError = errorInfo(error);
        throw error;
      }
    }
    this.settings = settings;
    this.cli.configure(settings.cli, settings.cliPath);
    this.limiter.configure(settings.rateLimit);
  }

  /** Ends every CLI child (which ends their streams), then closes the listener. Can be started again. */
  async stop(): Promise<void> {
    await this.cli.close();
    await this.server.close(2_000);
  }

  /** For good: stop, and release timers. */
  async shutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.stop();
  }

  cancel(requestId: string): boolean {
    const cancel = this.inflight.get(requestId);
    if (!cancel) return false;
    cancel();
    return true;
  }

  async snapshot(): Promise<ProxySnapshot> {
    const listening = this.server.listening;
    return {
      running: listening !== undefined,
      url: listening?.url ?? null,
      host: listening?.host ?? this.settings.host,
      port: listening?.port ?? this.settings.port,
      error: this.lastError,
      health: await healthBody(this.deps),
      host_kind: this.options.hostKind ?? 'dashboard',
      warnings: [...this.warnings],
    };
  }
}

function errorInfo(error: unknown): ServerErrorInfo {
  if (error instanceof ServerError) return { code: error.code, message: error.message };
  return { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error) };
}
