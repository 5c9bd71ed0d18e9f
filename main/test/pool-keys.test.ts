import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { outputCapBucket } from '../core/cli/cli-launch.js';
import { postJson, startTestProxy, waitFor, type TestProxy } from './helpers/test-proxy.js';

/**
 * Issue 9: the output cap was part of the warm pool's launch key, so 10
 * requests with 10 different `max_tokens` started 20 CLIs (each request one,
 * plus a warm one for its own value that nobody used). Caps are now bucketed.
 */

describe('issue 9: per-request max_tokens does not split the warm pool', () => {
  let proxy: TestProxy | undefined;
  after(() => proxy?.close());

  test('caps up to 16 stay exact; above, they round up to a power of two', () => {
    assert.deepEqual([1, 3, 16, 17, 100, 1000, 1024, 1025, 64_000].map(outputCapBucket), [1, 3, 16, 32, 128, 1024, 1024, 2048, 65_536]);
  });

  test('10 requests with distinct max_tokens are served mostly by warm processes', async () => {
    const spawnLog = path.join(tmpdir(), `ccp-spawns-${process.pid}.log`);
    await writeFile(spawnLog, '');
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 2 } }, env: { FAKE_CLAUDE_SPAWN_LOG: spawnLog } });
    for (let index = 1; index <= 10; index += 1) {
      const response = await postJson(`${proxy.url}/v1/messages`, { model: 'sonnet', max_tokens: 100 * index, messages: [{ role: 'user', content: `ECHO:answer ${index}` }] });
      assert.equal(((await response.json()) as { content: { text: string }[] }).content[0]!.text, `answer ${index}`);
      // Each request finds the pool as its predecessor left it.
      await waitFor(() => (proxy!.proxy.cli.activeProcesses === 0 && proxy!.proxy.cli.pool.size === 2 ? true : undefined), 10_000);
    }
    const stats = proxy.proxy.cli.pool.stats();
    const spawned = (await readFile(spawnLog, 'utf8')).trim().split('\n').length;
    // 100…1000 fall in 4 buckets (128, 256, 512, 1024): 4 misses, the rest served warm.
    assert.equal(stats.misses, 4, JSON.stringify(stats));
    assert.equal(stats.hits, 6);
    assert.ok(spawned <= 10 + 2 + 4, `${spawned} CLIs started for 10 requests`);
    await rm(spawnLog, { force: true });
  });
});
