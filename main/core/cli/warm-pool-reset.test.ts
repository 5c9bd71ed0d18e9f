import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../../test/helpers/test-proxy.js';
import type { Logger } from '../logger.js';
import type { CliLaunch, CliProcess } from './cli-process.js';
import { WarmPool } from './warm-pool.js';

/**
 * Found in review: after the CLI path changed, the pool ended its warm
 * processes but still remembered the kinds it had warmed, each holding the old
 * command, so the next refill started the old program again (with the
 * owner's login in its environment) for up to 20 requests.
 */

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

test('after reset (the CLI path changed) no refill starts the old program', async () => {
  const spawned: string[] = [];
  const fake = () => ({ running: true, pid: 1, exited: new Promise(() => {}), stop: async () => ({}) }) as unknown as CliProcess;
  const pool = new WarmPool(
    { enabled: true, maxWarm: 2, idleTimeoutMs: 600_000, memoryBudgetMb: 10_000, recentRequests: 20 },
    {
      spawn: (launch) => (spawned.push(launch.command), fake()),
      logger: quiet,
      binarySignature: () => 'x',
      residentBytes: () => 100 * 1024 * 1024,
    },
  );
  const launch = (command: string): CliLaunch => ({ command, args: ['--model=sonnet'], env: {}, cwd: '/w' });
  for (let i = 0; i < 5; i++) pool.take(launch('/old/claude'));
  pool.refill();
  await waitFor(() => (spawned.includes('/old/claude') ? true : undefined), { message: 'the old kind warmed' });
  spawned.length = 0;
  await pool.reset();
  pool.take(launch('/new/claude'));
  pool.refill();
  await waitFor(() => (spawned.includes('/new/claude') ? true : undefined), { message: 'the new kind warmed' });
  assert.deepEqual([...new Set(spawned)], ['/new/claude']);
  await pool.close();
});
