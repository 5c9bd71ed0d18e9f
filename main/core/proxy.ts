import path from 'node:path';
import type { ClientCountersInfo, ProxySnapshot, ServerErrorInfo } from '../../shared/contract.js';
import type { RequestRecord } from '../../shared/request-record.js';
import type { UsagePeriod, UsageTotals } from '../../shared/usage.js';
import type { BridgeHost, RequestLogListeners } from './bridge/bridge-host.js';
import { CliManager, type CliHealth } from './cli/cli-manager.js';
import type { PoolStats } from './cli/warm-pool.js';
import { loadDashboardSecret } from './dashboard-secret.js';
import { RequestHistory, type HistoryLimits } from './history.js';
import { exposureError } from './http/access-key.js';
import { createApp } from './http/app.js';
import type { DashboardBridge } from './http/dashboard-bridge.js';
import { healthWire, proxyHealth, type HealthSource } from './http/health.js';
import type { Logger } from './logger.js';
import { RateLimiter } from './rate-limiter.js';
import { RequestLog } from './request-log.js';
import { ResponseStore } from './responses-store.js';
import { ServerController, ServerError } from './server-controller.js';
import type { Settings } from './settings.js';
import { PlanTracker } from './usage/plan-tracker.js';
import { ProxyMetrics } from './usage/proxy-metrics.js';
import { UsageLedger } from './usage/usage-ledger.js';

/**
 * The composition root shared by the headless server and the desktop shell:
 * one of each core part, wired together, with settings applied live. It can be
 * stopped and started again (the tray's toggle); `shutdown` is for good.
 * Its parts are its own: hosts, the bridge and tests use its operations.
 */

export interface ProxyOptions {
  settings: Settings;
  dataDir: string;
  logger: Logger;
  version: string;
  /** Environment for the CLI children (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  hostKind?: ProxySnapshot['hostKind'];
  /**
   * Builds the window contract served at /dashboard/api (the headless host;
   * the Electron shell uses IPC instead). A factory, because the bridge works
   * over this service: it is handed the service's narrow host interface.
   */
  dashboardBridge?: (host: BridgeHost) => DashboardBridge;
}

/** Counts that must return to their baseline once nothing is in flight (leak checks). */
export interface ProxyStats {
  inflight: number;
  cliProcesses: number;
  /** CLI output read so far by running children, and how many are paused because their client reads slowly. */
  cliOutput: { bytes: number; paused: number };
  pool: PoolStats;
  /** The warm processes' pids, oldest first. */
  warmPids: number[];
  trackedClients: number;
  /** Listeners per event on the request log, the server controller and its http.Server. */
  listeners: { requestLog: Record<string, number>; controller: Record<string, number>; httpServer: Record<string, number> };
}

export class ProxyService implements BridgeHost {
  private readonly cli: CliManager;
  private readonly limiter: RateLimiter;
  private readonly requestLog = new RequestLog();
  private readonly ledger: UsageLedger;
  private readonly metrics: ProxyMetrics;
  /** The subscription's plan windows as the CLI reports them; hosts listen for its alerts. */
  readonly plan: PlanTracker;
  private readonly inflight = new Map<string, () => void>();
  private readonly server: ServerController;
  private readonly health: HealthSource;
  /** Problems worth showing in the window (bad settings file, unwritable history…). */
  private readonly warnings = new Set<string>();
  private settings: Settings;
  private lastError: ServerErrorInfo | null = null;
  private readonly pruneTimer: NodeJS.Timeout;
  private history: RequestHistory | undefined;
  private initializing: Promise<void> | undefined;
  private dashboardSecret: string | undefined;

  constructor(readonly options: ProxyOptions) {
    this.settings = options.settings;
    this.plan = new PlanTracker(options.now);
    this.ledger = new UsageLedger(options.now);
    this.countFinished();
    this.cli = new CliManager({
      observer: this.plan,
      cli: options.settings.cli,
      pool: options.settings.pool,
      cliPath: options.settings.cliPath,
      workDir: path.join(options.dataDir, 'cli-workdir'),
      logger: options.logger,
      ...(options.env ? { env: options.env } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    this.metrics = new ProxyMetrics({ cli: () => ({ ...this.cli.load, pool: this.cli.pool.stats() }), plan: () => this.plan.current });
    this.limiter = new RateLimiter(options.settings.rateLimit, options.now);
    const now = options.now ?? Date.now;
    // Before the app: it serves the bridge. The bridge only subscribes to the request log while it is built.
    const bridge = options.dashboardBridge?.(this);
    this.health = { cli: this.cli, version: options.version, startedAt: now(), now, plan: () => this.plan.current };
    const app = createApp({
      settings: () => this.settings,
      cli: this.cli,
      limiter: this.limiter,
      requestLog: this.requestLog,
      logger: options.logger,
      inflight: this.inflight,
      health: async () => healthWire(await proxyHealth(this.health)),
      metrics: () => this.metrics.text(),
      bridge,
      dashboardSecret: () => this.dashboardSecret,
      responses: new ResponseStore(path.join(options.dataDir, 'responses'), options.logger, undefined, now),
      now,
    });
    const handle = app.callback();
    this.server = new ServerController(
      (request, response) => void handle(request, response),
      undefined,
      () => this.settings.server,
    );
    this.pruneTimer = setInterval(() => this.limiter.prune(), 60_000);
    this.pruneTimer.unref();
  }

  /**
   * Reads (or makes) the dashboard secret, loads the request history into the
   * log and starts saving finished requests; call once before `start`.
   */
  init(): Promise<void> {
    this.initializing ??= this.readDashboardSecret().then(() => this.openHistory(true));
    return this.initializing;
  }

  /** Without it the dashboard API lets nobody in; the API and the desktop window (IPC) work on. */
  private async readDashboardSecret(): Promise<void> {
    try {
      this.dashboardSecret = await loadDashboardSecret(this.options.dataDir);
    } catch (error) {
      const problem = `The dashboard is locked: its secret could not be read or created (${(error as Error).message})`;
      this.warnings.add(problem);
      this.options.logger.error(problem);
    }
  }

  /** The dashboard's address with its token, for its owner only (the headless server prints it at start). */
  dashboardLink(url: string): string {
    return this.dashboardSecret ? `${url}/dashboard/#token=${this.dashboardSecret}` : `${url}/dashboard/ (locked: see the warning above)`;
  }

  /**
   * Opens the history when it is on and not open yet: at init (showing what it
   * holds), or when the window turns it on later (saving from then on; the
   * window's list already holds this session's requests).
   */
  private async openHistory(seed: boolean): Promise<void> {
    if (!this.settings.history.enabled || this.history) return;
    const history = await RequestHistory.open({
      dir: path.join(this.options.dataDir, 'history'),
      ...historyLimits(this.settings),
      logger: this.options.logger,
      ...(this.options.now ? { now: this.options.now } : {}),
    });
    if (seed) {
      this.requestLog.seed(history.loaded);
      for (const record of history.loaded) this.ledger.add(record);
    }
    let shown = history.problem;
    if (shown) this.warnings.add(shown);
    history.on('problem', (problem) => {
      if (shown) this.warnings.delete(shown);
      shown = problem;
      if (shown) this.warnings.add(shown);
    });
    // One line per finished request; in-progress states are never written. Turned off, it stops at once.
    // Refused requests stay out: a flood of them would rotate the user's real history away.
    this.requestLog.on('updated', (record) => {
      if (record.state !== 'in_progress' && !record.refused && this.settings.history.enabled) history.append(record);
    });
    this.history = history;
  }

  /** Each request into the usage totals and the metrics once, when it finishes (history or not). */
  private countFinished(): void {
    const open = new Set<string>();
    this.requestLog.on('added', (record) => {
      if (record.state === 'in_progress') open.add(record.id);
    });
    this.requestLog.on('updated', (record) => {
      if (record.state === 'in_progress' || !open.delete(record.id)) return;
      this.ledger.add(record);
      this.metrics.observe(record);
    });
  }

  usageTotals(): UsageTotals {
    return this.ledger.totals();
  }

  /** Today's spending alone, cheaper than the totals: the tray asks after every answered turn. */
  usageToday(): UsagePeriod {
    return this.ledger.today();
  }

  get currentSettings(): Settings {
    return this.settings;
  }

  async start() {
    this.cli.reopen();
    try {
      const refused = exposureError(this.settings.host, this.settings.accessKey);
      if (refused) throw refused;
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
        const refused = exposureError(settings.host, settings.accessKey);
        if (refused) throw refused;
        await this.server.listen(settings.port, settings.host);
        this.lastError = null;
      } catch (error) {
        this.lastError = errorInfo(error);
        throw error;
      }
    }
    this.settings = settings;
    this.cli.configure(settings.cli, settings.cliPath, settings.pool);
    this.limiter.configure(settings.rateLimit);
    this.history?.configure(historyLimits(settings));
    // Turned on after init (which opened nothing while it was off): open it now. Before init, init will.
    if (settings.history.enabled && !this.history && this.initializing) {
      this.initializing = this.initializing.catch(() => undefined).then(() => this.openHistory(false));
      await this.initializing;
    }
  }

  /** Ends every CLI child (which ends their streams), then closes the listener. Can be started again. */
  async stop(): Promise<void> {
    await this.cli.close();
    await this.server.close(2_000);
  }

  /** For good: stop, release timers, and write the last history lines (after the CLI children, whose ends finish requests). */
  async shutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.stop();
    await this.history?.close();
  }

  cancel(requestId: string): boolean {
    const cancel = this.inflight.get(requestId);
    if (!cancel) return false;
    cancel();
    return true;
  }

  /** Where it listens now, if it does. */
  get url(): string | undefined {
    return this.server.listening?.url;
  }

  addWarning(warning: string): void {
    this.warnings.add(warning);
  }

  cliHealth(): Promise<CliHealth> {
    return this.cli.health();
  }

  requests(): RequestRecord[] {
    return this.requestLog.list();
  }

  clearRequests(): void {
    this.requestLog.clear();
  }

  limits(): ClientCountersInfo[] {
    return this.limiter.counters();
  }

  get trackedClients(): number {
    return this.limiter.trackedClients;
  }

  onRequestLog(listeners: RequestLogListeners): () => void {
    const added = (record: RequestRecord) => listeners.added(record);
    const updated = (record: RequestRecord) => listeners.updated(record);
    const cleared = () => listeners.cleared();
    this.requestLog.on('added', added);
    this.requestLog.on('updated', updated);
    this.requestLog.on('cleared', cleared);
    return () => {
      this.requestLog.off('added', added);
      this.requestLog.off('updated', updated);
      this.requestLog.off('cleared', cleared);
    };
  }

  stats(): ProxyStats {
    const count = (emitter: NodeJS.EventEmitter, events: string[]) =>
      Object.fromEntries(events.map((event) => [event, emitter.listenerCount(event)]));
    return {
      inflight: this.inflight.size,
      cliProcesses: this.cli.activeProcesses,
      cliOutput: this.cli.output,
      pool: this.cli.pool.stats(),
      warmPids: this.cli.pool.pids,
      trackedClients: this.limiter.trackedClients,
      listeners: {
        requestLog: count(this.requestLog, ['added', 'updated', 'cleared']),
        controller: count(this.server, ['started', 'stopped', 'error']),
        httpServer: this.server.serverListeners(['request', 'connection', 'close', 'error', 'clientError', 'listening']),
      },
    };
  }

  /** Open client connections (leak checks). */
  connections(): Promise<number> {
    return this.server.openConnections();
  }

  request(id: string): RequestRecord | undefined {
    return this.requestLog.get(id);
  }

  async snapshot(): Promise<ProxySnapshot> {
    const listening = this.server.listening;
    return {
      running: listening !== undefined,
      url: listening?.url ?? null,
      host: listening?.host ?? this.settings.host,
      port: listening?.port ?? this.settings.port,
      error: this.lastError,
      health: await proxyHealth(this.health),
      hostKind: this.options.hostKind ?? 'dashboard',
      warnings: [...this.warnings],
    };
  }
}

function historyLimits(settings: Settings): HistoryLimits {
  const { maxBytes, maxFiles, maxAgeDays } = settings.history;
  return { maxBytes, maxFiles, maxAgeMs: maxAgeDays * 24 * 60 * 60 * 1000 };
}

function errorInfo(error: unknown): ServerErrorInfo {
  if (error instanceof ServerError) return { code: error.code, message: error.message };
  return { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error) };
}
