import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startMockAnthropicApi, type MockApi } from './fixtures/mock-anthropic-api.js';
import { realCliEnv, realCliPath } from './fixtures/real-cli.js';
import { startTestProxy, type TestProxy } from './helpers/test-proxy.js';

/**
 * OpenAI Codex CLI (pinned) with the proxy as its model provider (wire API
 * "responses"), the real Claude CLI and the loopback mock behind it: `codex
 * exec` runs the shell command the mock model asks for through its
 * exec_command tool, sends the output back, and prints the model's answer.
 * Codex is kept off the network: analytics and update checks are off, and its
 * HTTP(S) proxy is a local trap that closes whatever connects, so only the
 * loopback provider is reached.
 */

const CODEX = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));
const MODEL = 'claude-sonnet-4-5';
const COMMAND = 'echo made-by-codex > proof.txt && cat proof.txt';

function codexConfig(baseUrl: string): string {
  return [
    `model = "${MODEL}"`,
    'model_provider = "claude-code-proxy"',
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[model_providers.claude-code-proxy]',
    'name = "Claude Code Proxy"',
    `base_url = "${baseUrl}"`,
    'wire_api = "responses"',
    'env_key = "CLAUDE_PROXY_KEY"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n');
}

/** A local HTTP proxy that records the first line of every connection and closes it. */
async function startTrap(): Promise<{ url: string; seen: string[]; close(): void }> {
  const seen: string[] = [];
  const server = net.createServer((socket) => {
    socket.once('data', (data) => {
      seen.push(data.toString('latin1').split('\r\n')[0]!);
      socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen, close: () => server.close() };
}

const runnable = spawnSync(CODEX, ['--version'], { encoding: 'utf8' });
const skip = runnable.status === 0 ? false : `the pinned Codex CLI has no binary for ${process.platform}-${process.arch} here`;

describe('OpenAI Codex CLI through the proxy', { timeout: 600_000, skip }, () => {
  let mock: MockApi;
  let proxy: TestProxy;
  let trap: Awaited<ReturnType<typeof startTrap>>;
  let home: string;
  let codexHome: string;
  let workdir: string;

  before(async () => {
    mock = await startMockAnthropicApi();
    home = await mkdtemp(path.join(tmpdir(), 'ccp-codex-home-'));
    codexHome = await mkdtemp(path.join(tmpdir(), 'ccp-codex-config-'));
    workdir = await mkdtemp(path.join(tmpdir(), 'ccp-codex-work-'));
    proxy = await startTestProxy({ cliPath: realCliPath, env: realCliEnv(mock.url, home) });
    trap = await startTrap();
    await writeFile(path.join(codexHome, 'config.toml'), codexConfig(`${proxy.url}/v1`));
  });
  after(async () => {
    trap?.close();
    await proxy?.close();
    await mock?.close();
    for (const dir of [home, codexHome, workdir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('codex exec runs a shell command through its exec tool and prints the answer', async () => {
    const prompt = `Make the proof file. [[tool:exec_command]] [[input:${JSON.stringify({ cmd: COMMAND })}]]`;
    const child = spawn(CODEX, ['exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', prompt], {
      cwd: workdir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOME: home,
        CODEX_HOME: codexHome,
        CLAUDE_PROXY_KEY: 'dummy',
        HTTPS_PROXY: trap.url,
        HTTP_PROXY: trap.url,
        ALL_PROXY: trap.url,
        NO_PROXY: '127.0.0.1,localhost',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr.slice(-4000));

    // Codex ran the command in its working directory, and its final answer is the model's answer to the output.
    assert.equal(await readFile(path.join(workdir, 'proof.txt'), 'utf8'), 'made-by-codex\n');
    assert.match(stdout, /^Result received: [\s\S]*made-by-codex/);

    const calls = mock.requests.filter((request) => request.path === '/v1/messages');
    const offered = calls[0]!.body.tools.map((tool: { name: string }) => tool.name);
    assert.ok(offered.includes('exec_command'), offered.join(', '));
    const result = JSON.stringify(calls.at(-1)!.body.messages.at(-1));
    assert.match(result, /tool_result[\s\S]*made-by-codex/);

    const posts = proxy.proxy.requests().filter((record) => record.path === '/v1/responses');
    assert.equal(posts.length, 2);
    for (const record of posts) {
      assert.equal(record.status, 200);
      assert.equal(record.api, 'responses');
      // Codex's hosted tools are left out and named, not refused.
      assert.ok(
        record.ignored.some((field) => field.endsWith('.web_search')),
        record.ignored.join(', '),
      );
    }
    // Whatever else Codex tried to reach (its plugin and model catalogs) met the trap, never the network.
    for (const line of trap.seen) assert.match(line, /^CONNECT |^[A-Z]+ http:/);
  });
});
