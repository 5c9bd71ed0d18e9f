import type { Health } from '../../../shared/contract.js';
import type { CliManager } from '../cli/cli-manager.js';

export type HealthStatus = Health['status'];

export interface HealthSource {
  cli: Pick<CliManager, 'health'>;
  version: string;
  startedAt: number;
  now: () => number;
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
    uptime_seconds: Math.floor((source.now() - source.startedAt) / 1000),
    cli: {
      available: !cli.problem,
      path: cli.path ?? null,
      version: cli.version ?? null,
      problem: cli.problem ?? null,
      last_auth_failure: cli.lastAuthFailure ?? null,
    },
    processes: { active: cli.active, queued: cli.queued, max: cli.maxConcurrent, max_queue: cli.maxQueue },
    pool: { enabled: cli.pool.enabled, warm: cli.pool.warm, max_warm: cli.pool.maxWarm, hits: cli.pool.hits, misses: cli.pool.misses, keys: cli.pool.keys },
  };
}
