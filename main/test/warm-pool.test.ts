import assert from 'node:assert/strict';
import { copyFile, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { FAKE_CLI, liveCliPids, parseSse, postJson, startTestProxy, waitFor, waitForExit, type TestProxy } from './helpers/test-proxy.js';

const ask = (content = 'hi', extra: object = {}) => ({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content }], ...extra });

/**
 * The pool's own warm pids once there are `count` and each has started (its pid file is there). Asked of
 * the pool, not read from the pid directory alone: on a loaded machine a request's process can still be
 * exiting while a warm one has not written its pid file yet, and the directory then shows the wrong one.
 */
async function warmPids(proxy: TestProxy, count: number): Promise<number[]> {
  return waitFor(
    async () => {
      const pids = proxy.proxy.stats().warmPids;
      if (pids.length !== count) return undefined;
      const live = await liveCliPids(proxy.pidDir);
      return pids.every((pid) => live.includes(pid)) ? pids : undefined;
    },
    { message: `${count} warm process(es) started` },
  );
}

function lastRecordPid(proxy: TestProxy): number {
  return proxy.proxy.requests().at(-1)!.cliPid!;
}

describe('warm CLI pool', () => {
  let proxy: TestProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  test('a miss warms the key; the next request is served by a process started before it', async () => {
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 2 } } });
    const first = await postJson(`${proxy.url}/v1/messages`, ask('ECHO:first'));
    assert.equal((await first.json()).content[0].text, 'first');
    const warm = await warmPids(proxy, 2);
    const second = await postJson(`${proxy.url}/v1/messages`, ask('ECHO:second'));
    assert.equal((await second.json()).content[0].text, 'second');
    assert.ok(warm.includes(lastRecordPid(proxy)), 'served by a warm process');
    const health = await (await fetch(`${proxy.url}/health`)).json();
    assert.equal(health.pool.enabled, true);
    assert.equal(health.pool.hits, 1);
    assert.equal(health.pool.misses, 1);
    assert.deepEqual(
      health.pool.keys.map((k: { model: string }) => k.model),
      ['sonnet'],
    );
  });

  test('a warm process takes the tools and the earlier turns at request time', async () => {
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 1 } } });
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: {} } }];
    const conversation = (last: string) =>
      ask(undefined, {
        tools,
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
          { role: 'assistant', content: 'It is sunny.' },
          { role: 'user', content: last },
        ],
      });
    await (await postJson(`${proxy.url}/v1/messages`, conversation('ECHO:warming'))).json();
    const [warm] = await warmPids(proxy, 1);
    const res = await postJson(`${proxy.url}/v1/messages`, conversation('ECHO:from the warm one'));
    // The fake CLI reports only the tools of its `initialize` manifest: a warm process that missed them would fail this.
    assert.equal((await res.json()).content[0].text, 'from the warm one');
    assert.equal(lastRecordPid(proxy), warm);
    assert.equal(proxy.proxy.stats().pool.hits, 1);
  });

  test('every process serves exactly one request and is then ended', async () => {
    const argvLog = path.join(await import('node:os').then((os) => os.tmpdir()), `pool-argv-${process.pid}.jsonl`);
    await writeFile(argvLog, '');
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 2 } }, env: { FAKE_CLAUDE_ARGV_LOG: argvLog } });
    const servedBy: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await postJson(`${proxy.url}/v1/chat/completions`, {
        model: 'sonnet',
        messages: [{ role: 'user', content: `ECHO:answer ${i}` }],
      });
      assert.equal((await res.json()).choices[0].message.content, `answer ${i}`, 'each answer is its own');
      servedBy.push(lastRecordPid(proxy));
      await waitFor(() => (proxy!.proxy.stats().cliProcesses === 0 ? true : undefined));
    }
    assert.equal(new Set(servedBy).size, 6, `pids: ${servedBy.join(', ')}`);
    for (const pid of servedBy) assert.throws(() => process.kill(pid, 0), `pid ${pid} outlived its request`);
    const turns = (await readFile(argvLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const perPid = new Map<number, number>();
    for (const turn of turns) perPid.set(turn.pid, (perPid.get(turn.pid) ?? 0) + 1);
    assert.ok(
      [...perPid.values()].every((count) => count === 1),
      'no process ran a second turn',
    );
    assert.ok(proxy.proxy.stats().pool.hits >= 5);
  });

  test('a warm process that died is replaced, never handed out', async () => {
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 1 } } });
    await (await postJson(`${proxy.url}/v1/messages`, ask())).text();
    const [warm] = await warmPids(proxy, 1);
    process.kill(warm!, 'SIGKILL');
    // Not 'until the pool is empty': it replaces the dead process at once, so an empty pool may never be seen.
    await waitForExit(warm!);
    const res = await postJson(`${proxy.url}/v1/messages`, ask('ECHO:still works'));
    assert.equal((await res.json()).content[0].text, 'still works');
    assert.notEqual(lastRecordPid(proxy), warm);
  });

  test('a process whose CLI binary changed is ended, not handed out', async () => {
    const probe = await startTestProxy();
    const cliCopy = path.join(probe.dataDir, '..', `fake-claude-copy-${process.pid}.mjs`);
    await probe.close();
    await copyFile(FAKE_CLI, cliCopy);
    await import('node:fs/promises').then((fs) => fs.chmod(cliCopy, 0o755));
    proxy = await startTestProxy({ cliPath: cliCopy, settings: { pool: { enabled: true, maxWarm: 1 } } });
    await (await postJson(`${proxy.url}/v1/messages`, ask())).text();
    const [warm] = await warmPids(proxy, 1);
    const later = new Date(Date.now() + 5_000);
    await utimes(cliCopy, later, later); // an update in place changes the file's identity
    const res = await postJson(`${proxy.url}/v1/messages`, ask('ECHO:fresh'));
    assert.equal((await res.json()).content[0].text, 'fresh');
    assert.notEqual(lastRecordPid(proxy), warm);
    await waitForExit(warm!);
  });

  test('processes idle past the expiry are ended and the key is not warmed again', async () => {
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 2, idleTimeoutMs: 2_000 } } });
    // The pool refills as a request takes its process and the expiry counts from there, so the warm
    // processes are looked for while the request runs, not after its answer (a slow start could outlast them).
    const first = postJson(`${proxy.url}/v1/messages`, ask()).then((res) => res.text());
    await waitFor(() => proxy!.proxy.stats().pool.warm === 2 || undefined, { message: 'two warm processes spawned' });
    await first;
    await waitFor(async () => (proxy!.proxy.stats().pool.warm === 0 && (await liveCliPids(proxy!.pidDir)).length === 0) || undefined, {
      message: 'the warm processes ended at their expiry',
    });
    // A request for another model refills the pool: the expired key gets nothing, the new one all of it.
    const second = postJson(`${proxy.url}/v1/messages`, { ...ask(), model: 'opus' }).then((res) => res.text());
    await waitFor(() => proxy!.proxy.stats().pool.warm === 2 || undefined, { message: 'the pool refilled for opus' });
    assert.deepEqual(proxy.proxy.stats().pool.keys, [{ model: 'opus', warm: 2 }]);
    await second;
  });

  test('the pool never holds more than maxWarm, nor more than the memory budget allows', async () => {
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 2 } } });
    for (const model of ['sonnet', 'opus', 'haiku', 'claude-sonnet-4-5']) {
      await (await postJson(`${proxy.url}/v1/messages`, { ...ask(), model })).text();
      assert.ok(proxy.proxy.stats().pool.warm <= 2, `after ${model}: ${proxy.proxy.stats().pool.warm} warm`);
    }
    // Processes trimmed from the pool take a moment to exit; wait for that, then for exactly the two kept.
    await waitFor(async () => (proxy!.proxy.stats().pool.warm === 2 && (await liveCliPids(proxy!.pidDir)).length === 2) || undefined, {
      message: 'two warm processes alive, the trimmed ones gone',
    });
    await proxy.close();
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 4, memoryBudgetMb: 0 } } });
    await (await postJson(`${proxy.url}/v1/messages`, ask())).text();
    // The refill runs on a zero-delay timer set when the request took its process, long before the answer came.
    assert.equal(proxy.proxy.stats().pool.misses, 1);
    assert.equal(proxy.proxy.stats().pool.warm, 0, 'a zero budget keeps nothing warm');
    await waitFor(async () => ((await liveCliPids(proxy!.pidDir)).length === 0 && proxy!.proxy.stats().cliProcesses === 0) || undefined, {
      message: 'no CLI process left',
    });
  });

  test('cancel ends a pooled process as it does a fresh one; shutdown ends the warm ones', async () => {
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 1 } } });
    // Gated turns never finish on their own: only the cancel can end them. The first one teaches the pool the key.
    const warmUp = new AbortController();
    const first = await postJson(`${proxy.url}/v1/messages`, { ...ask(), model: 'claude-fake-gated', stream: true }, {}, warmUp.signal);
    await first.body!.getReader().read();
    warmUp.abort();
    const [warm] = await warmPids(proxy, 1);
    const controller = new AbortController();
    const res = await postJson(`${proxy.url}/v1/messages`, { ...ask(), model: 'claude-fake-gated', stream: true }, {}, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    assert.equal(lastRecordPid(proxy), warm);
    controller.abort();
    await waitForExit(warm!);
    const [rewarmed] = await warmPids(proxy, 1);
    await proxy.proxy.shutdown();
    assert.throws(() => process.kill(rewarmed!, 0), 'warm process ended at shutdown');
  });

  test('a streamed answer from a warm process is complete', async () => {
    proxy = await startTestProxy({ settings: { pool: { enabled: true, maxWarm: 1 } } });
    await (await postJson(`${proxy.url}/v1/messages`, ask())).text();
    await warmPids(proxy, 1);
    const events = parseSse(await (await postJson(`${proxy.url}/v1/messages`, ask('ECHO:a b c', { stream: true }))).text());
    assert.equal(events.at(-1)!.event, 'message_stop');
    assert.equal(
      events
        .filter((e) => e.event === 'content_block_delta')
        .map((e) => JSON.parse(e.data).delta.text)
        .join(''),
      'a b c',
    );
  });
});
