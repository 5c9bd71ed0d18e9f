import type { Health } from '../../../shared/contract.js';
import type { PlanState } from '../../../shared/usage.js';
import type { CliManager } from '../cli/cli-manager.js';

export type HealthStatus = Health['status'];

export interface HealthSource {
  cli: Pick<CliManager, 'health'>;
  version: string;
  startedAt: number;
  now: () => number;
  plan?: () => PlanState;
}

/**
 * `unavailable`: no usable CLI, nothing can be served. `degraded`: the CLI is
 * there but the last turn failed to authenticate, or every slot is busy with a
 * queue forming.
 */
export async function proxyHealth(source: HealthSource): Promise<Health> {
  const cli = await source.cli.health();
  const status: HealthStatus = cli.problem ? 'unavailable' : cli.lastAuthFailure || cli.queued > 0 ? 'degraded' : 'healthy';
  return {
    status,
    version: source.version,
    uptimeSeconds: Math.floor((source.now() - source.startedAt) / 1000),
    cli: {
      available: !cli.problem,
      path: cli.path ?? null,
      version: cli.version ?? null,
      problem: cli.problem ?? null,
      lastAuthFailure: cli.lastAuthFailure ?? null,
    },
    processes: { active: cli.active, queued: cli.queued, max: cli.maxConcurrent, maxQueue: cli.maxQueue },
    pool: cli.pool,
    ...(source.plan ? { plan: source.plan() } : {}),
  };
}

/** `/health` on the HTTP API: snake_case, like the APIs it sits beside (and what clients already read). */
export function healthWire(health: Health) {
  const { cli, processes, pool, plan } = health;
  return {
    status: health.status,
    version: health.version,
    uptime_seconds: health.uptimeSeconds,
    cli: { available: cli.available, path: cli.path, version: cli.version, problem: cli.problem, last_auth_failure: cli.lastAuthFailure },
    processes: { active: processes.active, queued: processes.queued, max: processes.max, max_queue: processes.maxQueue },
    ...(pool
      ? { pool: { enabled: pool.enabled, warm: pool.warm, max_warm: pool.maxWarm, hits: pool.hits, misses: pool.misses, keys: pool.keys } }
      : {}),
    ...(plan ? { plan: planWire(plan) } : {}),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Times as ISO 8601; `utilization` is the fraction used (0.87 is 87%). */
function planWire(plan: PlanState) {
  return {
    updated_at: iso(plan.updatedAt),
    status: plan.status,
    windows: Object.fromEntries(
      plan.windows.map((window) => [
        window.name,
        { utilization: window.utilization, status: window.status, resets_at: iso(window.resetsAt) },
      ]),
    ),
    overage: plan.overage && { status: plan.overage.status, in_use: plan.overage.inUse },
    refusal: plan.refusal && { code: plan.refusal.code, message: plan.refusal.message, at: iso(plan.refusal.at) },
  };
}
