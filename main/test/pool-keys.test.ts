import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { postJson, startTestProxy, waitFor, type TestProxy } from './helpers/test-proxy.js';

/**
 * Issue 9: the output cap is part of the warm pool's launch key, and 10
 * requests with 10 different `max_tokens` started 20 CLIs: each request one,
 * plus a warm one for its own value that the next request's value displaced
 * unused. The cap stays exact (an answer never runs past what was asked);
 * a kind already warm now keeps its place against a newcomer used as often.
 */

describe('issue 9: per-request max_tokens cannot make the pool start a process per request', () => {
  let proxy: TestProxy | undefined;
  after(() => proxy?.close());

  test('10 requests with distinct max_tokens start at most 10 + maxWarm + 1 CLIs, each capped as asked', async () => {
    const spawnLog = path.join(tmpdir(), `ccp-spawns-${process.pid}.log`);
    const argvLog = path.join(tmpdir(), `ccp-argv-${process.pid}.log`);
    await writeFile(spawnLog, '');
    await writeFile(argvLog, '');
    proxy = await startTestProxy({
      settings: { pool: { enabled: true, maxWarm: 2 } },
      env: { FAKE_CLAUDE_SPAWN_LOG: spawnLog, FAKE_CLAUDE_ARGV_LOG: argvLog },
    });
    const asked: number[] = [];
    for (let index = 1; index <= 10; index += 1) {
      asked.push(100 * index + 1);
      const response = await postJson(`${proxy.url}/v1/messages`, {
        model: 'sonnet',
        max_tokens: 100 * index + 1,
        messages: [{ role: 'user', content: `ECHO:answer ${index}` }],
      });
      assert.equal(((await response.json()) as { content: { text: string }[] }).content[0]!.text, `answer ${index}`);
      // Each request finds the pool as its predecessor left it.
      await waitFor(() => (proxy!.proxy.stats().cliProcesses === 0 && proxy!.proxy.stats().pool.warm === 2 ? true : undefined));
    }
    const spawned = (await readFile(spawnLog, 'utf8')).trim().split('\n').length;
    assert.ok(spawned <= 10 + 2 + 1, `${spawned} CLIs started for 10 requests`);
    // Every answering process ran with the exact cap its request asked for.
    const caps = (await readFile(argvLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { env?: Record<string, string> })
      .map((entry) => Number(entry.env?.CLAUDE_CODE_MAX_OUTPUT_TOKENS));
    for (const cap of asked) assert.ok(caps.includes(cap), `a CLI ran with CLAUDE_CODE_MAX_OUTPUT_TOKENS=${cap}`);
    assert.ok(
      caps.every((cap) => asked.includes(cap)),
      `no CLI ran with a cap nobody asked for: ${caps.join(',')}`,
    );
    await rm(spawnLog, { force: true });
    await rm(argvLog, { force: true });
  });

  test('a client that keeps one max_tokens is served by warm processes', async () => {
    await proxy?.close();
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 2 } } });
    for (let index = 1; index <= 4; index += 1) {
      const response = await postJson(`${proxy.url}/v1/messages`, {
        model: 'sonnet',
        max_tokens: 777,
        messages: [{ role: 'user', content: `ECHO:again ${index}` }],
      });
      assert.equal(response.status, 200);
      await waitFor(() => (proxy!.proxy.stats().cliProcesses === 0 && proxy!.proxy.stats().pool.warm === 2 ? true : undefined));
    }
    const stats = proxy.proxy.stats().pool;
    assert.equal(stats.misses, 1, JSON.stringify(stats));
    assert.equal(stats.hits, 3);
  });
});
