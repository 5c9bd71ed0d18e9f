import type { PlanWindow } from '../../../shared/usage.js';
import type { CliEvent, CliRateLimitInfo, CliResult } from './cli-events.js';

/**
 * Reads what a turn spent and what the plan said from the same CLI lines the
 * turn translator reads, beside it rather than inside it: the model the CLI
 * really called, the cost at API rates (`total_cost_usd`), and each
 * `rate_limit_event` (a subscriber's plan windows, from the API's
 * anthropic-ratelimit-unified-* headers). An API-key login reports no plan.
 */

/** One plan report from the CLI, as of `at`. */
export interface PlanReport {
  at: number;
  status: string;
  windows: PlanWindow[];
  overage: { status: string | null; inUse: boolean } | null;
}

export type MeterEvent = { type: 'usage'; modelUsed: string | null; costUsd: number | null } | { type: 'plan'; plan: PlanReport };

export class TurnMeter {
  private model: string | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  see(line: CliEvent): MeterEvent[] {
    switch (line.type) {
      case 'system':
        if (line.subtype === 'init' && line.model) this.model ??= line.model;
        return [];
      case 'stream_event':
        if (line.event.type === 'message_start' && line.event.message.model) this.model = line.event.message.model;
        return [];
      case 'assistant':
        // `<synthetic>` is the CLI speaking for a failed call, not a model.
        if (line.message.model && line.message.model !== '<synthetic>') this.model = line.message.model;
        return [];
      case 'rate_limit_event':
        return [{ type: 'plan', plan: planReport(line.rate_limit_info, this.now()) }];
      case 'result':
        return [{ type: 'usage', modelUsed: mainModel(line) ?? this.model ?? null, costUsd: line.total_cost_usd ?? null }];
      default:
        return [];
    }
  }
}

/** The model that wrote most of the answer: after a fallback `modelUsage` names two. */
function mainModel(result: CliResult): string | undefined {
  const entries = Object.entries(result.modelUsage ?? {});
  entries.sort(([, a], [, b]) => (b.outputTokens ?? 0) - (a.outputTokens ?? 0));
  return entries[0]?.[0];
}

export function planReport(info: CliRateLimitInfo, at: number): PlanReport {
  const toMs = (seconds: number | undefined) => (seconds === undefined ? null : seconds * 1000);
  const windows: PlanWindow[] = Object.entries(info.unifiedWindows ?? {}).map(([name, window]) => ({
    name,
    utilization: window.utilization ?? null,
    resetsAt: toMs(window.resetsAt),
    status: window.status ?? null,
  }));
  // An older report (or a refused turn) names only the window it is about.
  if (info.rateLimitType && !windows.some((window) => window.name === info.rateLimitType)) {
    windows.push({ name: info.rateLimitType, utilization: info.utilization ?? null, resetsAt: toMs(info.resetsAt), status: info.status });
  }
  const overage =
    info.overageStatus === undefined && info.isUsingOverage === undefined
      ? null
      : { status: info.overageStatus ?? null, inUse: info.isUsingOverage ?? false };
  return { at, status: info.status, windows, overage };
}
