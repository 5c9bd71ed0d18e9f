import path from 'node:path';
import { CliManager } from './cli/cli-manager.js';
import { createApp } from './http/app.js';
import type { Logger } from './logger.js';
import { RateLimiter } from './rate-limiter.js';
import { RequestLog } from './request-log.js';
import { ServerController } from './server-controller.js';
import type { Settings } from './settings.js';

/**
 * The composition root shared by the headless server and the desktop shell:
 * one of each core part, wired together, with settings applied live.
 */

export interface ProxyOptions {
  settings: Settings;
  dataDir: string;
  logger: Logger;
  version: string;
  /** Environment for the CLI children (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

export class ProxyService {
  readonly cli: CliManager;
  readonly limiter: RateLimiter;
  readonly requestLog = new RequestLog();
  readonly server: ServerController;
  private settings: Settings;
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
    const app = createApp({
      settings: () => this.settings,
      cli: this.cli,
      limiter: this.limiter,
      requestLog: this.requestLog,
      logger: options.logger,
      version: options.version,
      startedAt: (options.now ?? Date.now)(),
      ...(options.now ? { now: options.now } : {}),
    });
    this.server = new ServerController(app.callback());
    this.pruneTimer = setInterval(() => this.limiter.prune(), 60_000);
    this.pruneTimer.unref();
  }

  get currentSettings(): Settings {
    return this.settings;
  }

  start() {
    return this.server.listen(this.settings.port, this.settings.host);
  }

  /** Applies new settings; a port or host change moves the listener (the old one stays if that fails). */
  async apply(settings: Settings): Promise<void> {
    const moved = settings.port !== this.settings.port || settings.host !== this.settings.host;
    if (moved && this.server.listening) await this.server.listen(settings.port, settings.host);
    this.settings = settings;
    this.cli.configure(settings.cli, settings.cliPath);
    this.limiter.configure(settings.rateLimit);
  }

  /** Ends every CLI child (which ends their streams), then closes the listener. */
  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.cli.close();
    await this.server.close(2_000);
  }
}
