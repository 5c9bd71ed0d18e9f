import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestRecord } from '../../../shared/request-record.js';
import type { PlanState } from '../../../shared/usage.js';
import type { PoolStats } from '../cli/warm-pool.js';
import { clientName } from './client-name.js';

/**
 * The proxy's Prometheus metrics (served at /metrics). Requests are counted
 * as they finish, from the same records the window shows; the CLI, pool and
 * plan figures are read when scraped.
 *
 * Labels: `route` is the router's own pattern (`/v1/responses/:id`), a closed
 * set; an unrouted path is `other`. `model` and `client` are the caller's
 * words, so each keeps a few distinct values, and a value earns its label only
 * with a request the CLI answered (a 2xx chat turn): a caller inventing names
 * on requests that fail, or on cheap ones like the model list, cannot take the
 * labels before real clients come. The SDKs' own names (OpenAI/…, Anthropic/…,
 * claude-cli, ai-sdk) have a pool of their own beside the rest, so answered
 * turns under made-up names of other forms cannot crowd them out. Until a
 * value has its label, and past the caps, it is counted as `other`.
 */

export const METRIC_PREFIX = 'claude_proxy_';
/** Distinct values kept per client-chosen label (and per client pool); later ones are counted as `other`. */
export const MAX_LABEL_VALUES = 50;
/** Client names the SDKs and the CLI give themselves (client-name.ts): a pool of labels of their own. */
const KNOWN_CLIENT = /^(?:(?:Async)?(?:OpenAI|Anthropic)\/[A-Za-z]+ |claude-cli |ai-sdk$)/;

const SECONDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
/** Refusals for rate: the proxy's own limiter, the API's, and the plan's. */
const RATE_LIMIT_CODES = new Set([
  'rate_limit_exceeded',
  'upstream_rate_limit',
  'usage_limit_reached',
  'extra_usage_required',
  'extra_usage_exhausted',
]);

export interface MetricsSource {
  cli(): { active: number; queued: number; pool: PoolStats };
  plan(): PlanState;
}

export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly seen = new Map<string, Set<string>>();
  private readonly requests: Counter<'route' | 'status' | 'model' | 'client'>;
  private readonly firstToken: Histogram<'route' | 'model'>;
  private readonly duration: Histogram<'route' | 'status'>;
  private readonly tokens: Counter<'type' | 'model' | 'client'>;
  private readonly cost: Counter<'model' | 'client'>;
  private readonly refusals: Counter<'code'>;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: `${METRIC_PREFIX}requests_total`,
      help: 'API requests finished, by route, HTTP status, model used and client',
      labelNames: ['route', 'status', 'model', 'client'],
      registers,
    });
    this.firstToken = new Histogram({
      name: `${METRIC_PREFIX}first_token_seconds`,
      help: 'Time from the request to the first token of the answer',
      labelNames: ['route', 'model'],
      buckets: SECONDS,
      registers,
    });
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}request_duration_seconds`,
      help: 'Time from the request to the end of its response',
      labelNames: ['route', 'status'],
      buckets: SECONDS,
      registers,
    });
    this.tokens = new Counter({
      name: `${METRIC_PREFIX}tokens_total`,
      help: 'Tokens by type (input: not cached; cache_read; cache_write; output), model used and client',
      labelNames: ['type', 'model', 'client'],
      registers,
    });
    this.cost = new Counter({
      name: `${METRIC_PREFIX}cost_usd_total`,
      help: 'Cost at API rates in US dollars, as the Claude CLI reports it, by model used and client',
      labelNames: ['model', 'client'],
      registers,
    });
    this.refusals = new Counter({
      name: `${METRIC_PREFIX}rate_limit_refusals_total`,
      help: "Requests refused for rate or plan: the proxy's own limit (rate_limit_exceeded), the API's, or the plan's",
      labelNames: ['code'],
      registers,
    });
    const cliGauge = (name: string, help: string, read: (cli: ReturnType<MetricsSource['cli']>) => number) =>
      new Gauge({
        name: `${METRIC_PREFIX}${name}`,
        help,
        registers,
        collect() {
          this.set(read(source.cli()));
        },
      });
    cliGauge('cli_processes_active', 'Claude CLI processes answering a request', (cli) => cli.active);
    cliGauge('cli_requests_queued', 'Requests waiting for a free CLI slot', (cli) => cli.queued);
    cliGauge('cli_processes_warm', 'Idle CLI processes started ahead of requests', (cli) => cli.pool.warm);
    // Counters the pool keeps itself: exposed as counters, advanced to its figure at each scrape.
    const poolCounter = (name: string, help: string, read: (pool: PoolStats) => number) => {
      let last = 0;
      return new Counter({
        name: `${METRIC_PREFIX}${name}`,
        help,
        registers,
        collect() {
          const value = read(source.cli().pool);
          if (value > last) this.inc(value - last);
          last = value;
        },
      });
    };
    poolCounter('pool_hits_total', 'Requests served by a warm CLI process', (pool) => pool.hits);
    poolCounter('pool_misses_total', 'Requests that had to start a CLI process', (pool) => pool.misses);
    new Gauge({
      name: `${METRIC_PREFIX}plan_utilization_ratio`,
      help: "The Claude plan window's utilization (1 = the limit), by window, as last reported by the CLI",
      labelNames: ['window'],
      registers,
      collect() {
        this.reset();
        for (const window of source.plan().windows) if (window.utilization !== null) this.set({ window: window.name }, window.utilization);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}plan_resets_at_seconds`,
      help: 'When the Claude plan window resets, Unix time in seconds, by window',
      labelNames: ['window'],
      registers,
      collect() {
        this.reset();
        for (const window of source.plan().windows) if (window.resetsAt !== null) this.set({ window: window.name }, window.resetsAt / 1000);
      },
    });
  }

  /** One finished request (in-progress and refused ones are not counted). */
  observe(record: RequestRecord): void {
    if (record.state === 'in_progress' || record.refused) return;
    const route = record.route ?? 'other';
    const status = String(record.status ?? 0);
    const answered = record.model !== null && record.status !== null && record.status >= 200 && record.status < 300;
    const model = this.cap('model', record.modelUsed ?? record.model ?? 'none', answered);
    const clientValue = record.client ?? clientName(record.userAgent);
    const client = this.cap(KNOWN_CLIENT.test(clientValue) ? 'known-client' : 'client', clientValue, answered);
    this.requests.inc({ route, status, model, client });
    if (record.durationMs !== null) this.duration.observe({ route, status }, record.durationMs / 1000);
    if (record.ttftMs !== null) this.firstToken.observe({ route, model }, record.ttftMs / 1000);
    const cacheRead = record.cacheReadTokens ?? 0;
    const cacheWrite = record.cacheWriteTokens ?? 0;
    const counts: [string, number][] = [
      ['input', Math.max(0, (record.inputTokens ?? 0) - cacheRead - cacheWrite)],
      ['output', record.outputTokens ?? 0],
      ['cache_read', cacheRead],
      ['cache_write', cacheWrite],
    ];
    for (const [type, count] of counts) if (count > 0) this.tokens.inc({ type, model, client }, count);
    if (record.costUsd) this.cost.inc({ model, client }, record.costUsd);
    if (record.error && RATE_LIMIT_CODES.has(record.error.code)) this.refusals.inc({ code: record.error.code });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** `value` if it has its label, or earns it now (an answered turn, room left in its pool); else `other`. */
  private cap(pool: string, value: string, answered: boolean): string {
    let values = this.seen.get(pool);
    if (!values) this.seen.set(pool, (values = new Set<string>()));
    if (values.has(value)) return value;
    if (!answered || values.size >= MAX_LABEL_VALUES) return 'other';
    values.add(value);
    return value;
  }
}
