import type { AppDeps } from './context.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unavailable';

/**
 * `unavailable`: no usable CLI, nothing can be served. `degraded`: the CLI is
 * there but the last turn failed to authenticate, or every slot is busy with a
 * queue forming.
 */
export async function healthBody(deps: AppDeps) {
  const cli = await deps.cli.health();
  const now = (deps.now ?? Date.now)();
  const status: HealthStatus = cli.problem
    ? 'unavailable'
    : cli.lastAuthFailure || cli.queued > 0
      ? 'degraded'
      : 'healthy';
  return {
    status,
    version: deps.version,
    uptime_seconds: Math.floor((now - deps.startedAt) / 1000),
    cli: {
      available: !cli.problem,
      path: cli.path ?? null,
      version: cli.version ?? null,
      problem: cli.problem ?? null,
      last_auth_failure: cli.lastAuthFailure ?? null,
    },
    processes: { active: cli.active, queued: cli.queued, max: cli.maxConcurrent, max_queue: cli.maxQueue },
    pool: cli.pool,
  };
}
