import assert from 'node:assert/strict';
import { chmod, copyFile, utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ServerError } from '../core/server-controller.js';
import { FAKE_CLI, liveCliPids, postJson, startTestProxy, waitFor, waitForExit, type TestProxy } from './helpers/test-proxy.js';

/**
 * Faults around the CLI processes and the listener. After each: no CLI
 * process left, no unhandled rejection, the next request works, and /health
 * tells the truth.
 */

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
before(() => process.on('unhandledRejection', onRejection));
after(() => {
  process.off('unhandledRejection', onRejection);
  assert.deepEqual(rejections, [], 'no unhandled rejection');
});

const ask = (model = 'sonnet', extra: object = {}) => ({
  model,
  max_tokens: 50,
  messages: [{ role: 'user', content: 'ECHO:fine' }],
  ...extra,
});

async function stillServes(proxy: TestProxy, url = proxy.url) {
  await waitFor(async () => ((await liveCliPids(proxy.pidDir)).length === 0 && proxy.proxy.stats().cliProcesses === 0) || undefined);
  const res = await postJson(`${url}/v1/messages`, ask());
  assert.equal(res.status, 200);
  assert.equal((await res.json()).content[0].text, 'fine');
  // The answer is sent as soon as the result line arrives; the child's exit follows within milliseconds.
  const health = await waitFor(async () => {
    const body = await (await fetch(`${url}/health`)).json();
    return body.processes.active === 0 ? body : undefined;
  });
  assert.equal(health.processes.queued, 0);
  assert.notEqual(health.status, 'unavailable');
}

function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ port, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

describe('CLI binary faults', () => {
  test('a CLI that is not executable: 503 with how to install, /health unavailable', async () => {
    const probe = await startTestProxy();
    const notExecutable = path.join(probe.dataDir, 'claude');
    await copyFile(FAKE_CLI, notExecutable);
    await chmod(notExecutable, 0o644);
    const proxy = await startTestProxy({ cliPath: notExecutable });
    try {
      const res = await postJson(`${proxy.url}/v1/messages`, ask());
      assert.equal(res.status, 503);
      assert.match((await res.json()).error.message, /install/i);
      const health = await (await fetch(`${proxy.url}/health`)).json();
      assert.equal(health.status, 'unavailable');
      // Made executable, the same proxy recovers without a restart.
      await chmod(notExecutable, 0o755);
      await stillServes(proxy);
      assert.equal((await (await fetch(`${proxy.url}/health`)).json()).status, 'healthy');
    } finally {
      await proxy.close();
      await probe.close();
    }
  });
});

test('/health follows a CLI updated in place', async () => {
  const probe = await startTestProxy();
  const cli = path.join(probe.dataDir, 'claude-versioned');
  const write = async (version: string) => {
    await writeFile(cli, `#!/bin/sh\necho "${version} (Claude Code)"\n`);
    await chmod(cli, 0o755);
  };
  await write('2.1.330');
  const proxy = await startTestProxy({ cliPath: cli });
  try {
    assert.equal((await (await fetch(`${proxy.url}/health`)).json()).cli.version, '2.1.330 (Claude Code)');
    await write('2.1.331');
    // Same size, same inode: only the modification time tells the update apart, so make it differ for sure.
    const later = new Date(Date.now() + 60_000);
    await utimes(cli, later, later);
    assert.equal((await (await fetch(`${proxy.url}/health`)).json()).cli.version, '2.1.331 (Claude Code)');
  } finally {
    await proxy.close();
    await probe.close();
  }
});

describe('client disconnects at every stage', () => {
  let proxy: TestProxy;
  before(async () => {
    // A start that takes ten minutes: the first test's CLI is still silent whenever the client leaves.
    proxy = await startTestProxy({ settings: { cli: { maxConcurrent: 1, maxQueue: 4 } }, env: { FAKE_CLAUDE_START_DELAY_MS: '600000' } });
  });
  after(() => proxy.close());

  test('while its CLI is still starting (no output yet)', async () => {
    const controller = new AbortController();
    const pending = postJson(`${proxy.url}/v1/messages`, ask('claude-fake-slow-start', { stream: true }), {}, controller.signal).catch(
      (e: Error) => e,
    );
    const [pid] = await waitFor(async () => {
      const live = await liveCliPids(proxy.pidDir);
      return live.length > 0 ? live : undefined;
    });
    controller.abort();
    assert.ok((await pending) instanceof Error);
    await waitForExit(pid!);
    await stillServes(proxy);
  });

  test('while queued behind another request, and while streaming', async () => {
    const streaming = new AbortController();
    const res = await postJson(`${proxy.url}/v1/messages`, ask('claude-fake-gated', { stream: true }), {}, streaming.signal);
    await res.body!.getReader().read();
    const queued = new AbortController();
    const waiting = postJson(`${proxy.url}/v1/messages`, ask(), {}, queued.signal).catch((e: Error) => e);
    await waitFor(async () => ((await (await fetch(`${proxy.url}/health`)).json()).processes.queued === 1 ? true : undefined));
    queued.abort();
    assert.ok((await waiting) instanceof Error);
    await waitFor(async () => ((await (await fetch(`${proxy.url}/health`)).json()).processes.queued === 0 ? true : undefined));
    streaming.abort();
    await stillServes(proxy);
    const states = proxy.proxy.requests().map((r) => r.state);
    assert.ok(states.filter((s) => s === 'cancelled').length >= 2, states.join(','));
  });
});

describe('the listener', () => {
  test('a port already in use at start is reported as PORT_IN_USE', async () => {
    const busy = await occupy();
    const probe = await startTestProxy();
    try {
      await probe.proxy.stop();
      await probe.proxy.apply({ ...probe.proxy.currentSettings, port: busy.port });
      await assert.rejects(probe.proxy.start(), (error: unknown) => error instanceof ServerError && error.code === 'PORT_IN_USE');
      const snapshot = await probe.proxy.snapshot();
      assert.equal(snapshot.running, false);
      assert.equal(snapshot.error?.code, 'PORT_IN_USE');
    } finally {
      await busy.close();
      await probe.close();
    }
  });

  test('a port change to a busy port keeps serving on the old one; to a free one moves', async () => {
    const busy = await occupy();
    const proxy = await startTestProxy();
    try {
      await assert.rejects(
        proxy.proxy.apply({ ...proxy.proxy.currentSettings, port: busy.port }),
        (error: unknown) => error instanceof ServerError && error.code === 'PORT_IN_USE',
      );
      await stillServes(proxy);
      assert.equal(proxy.proxy.currentSettings.port, 0, 'settings unchanged after a failed move');
      const free = await occupy();
      await free.close();
      await proxy.proxy.apply({ ...proxy.proxy.currentSettings, port: free.port });
      const moved = `http://127.0.0.1:${free.port}`;
      await stillServes(proxy, moved);
      await assert.rejects(fetch(`${proxy.url}/health`), 'the old port is closed');
    } finally {
      await busy.close();
      await proxy.close();
    }
  });

  test('stopped and restarted with requests in flight: children ended, the next request works', async () => {
    const proxy = await startTestProxy();
    try {
      const inFlight = [1, 2].map(() =>
        postJson(`${proxy.url}/v1/messages`, ask('claude-fake-gated', { stream: true }))
          .then((r) => r.text())
          .catch((e: Error) => e),
      );
      await waitFor(async () => ((await liveCliPids(proxy.pidDir)).length === 2 ? true : undefined));
      await proxy.proxy.stop();
      assert.deepEqual(await liveCliPids(proxy.pidDir), []);
      await Promise.all(inFlight);
      const health = await proxy.proxy.snapshot();
      assert.equal(health.running, false);
      const { url } = await proxy.proxy.start();
      await stillServes(proxy, url);
    } finally {
      await proxy.close();
    }
  });
});
