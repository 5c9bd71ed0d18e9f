import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { realCliPath } from './fixtures/real-cli.js';
import { MODEL, assertToolRoundTrip, offeredTools, startAgentProxy, type AgentProxy } from './helpers/agent-proxy.js';

/**
 * Claude Code itself as the client: a second copy of the pinned CLI, pointed at the proxy, sends
 * what it really sends (dozens of tools, cache_control, thinking, metadata, ...). The mock model
 * asks for its Read tool; the client reads a real file and sends the result back through the proxy.
 */

interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runClaudeCode(proxyUrl: string, home: string, cwd: string, prompt: string, extra: string[]): Promise<ClientRun> {
  const child = spawn(
    realCliPath,
    ['-p', '--output-format=json', `--model=${MODEL}`, '--allowedTools=Read', '--setting-sources=', ...extra, prompt],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOME: home,
        USERPROFILE: home,
        TMPDIR: home,
        ANTHROPIC_BASE_URL: proxyUrl,
        // On loopback without an access key the proxy takes any key; spawn() drops the undefined ones.
        ANTHROPIC_API_KEY: 'dummy',
        CLAUDE_CODE_OAUTH_TOKEN: undefined,
        ANTHROPIC_AUTH_TOKEN: undefined,
        CLAUDE_CONFIG_DIR: undefined,
        NODE_OPTIONS: undefined,
        DISABLE_TELEMETRY: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
      },
    },
  );
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Claude Code as a client of the proxy (real CLI both sides, mock API)', { timeout: 300_000 }, () => {
  let agent: AgentProxy;
  let dir: string;
  before(async () => {
    agent = await startAgentProxy();
    dir = await mkdtemp(path.join(tmpdir(), 'ccp-client-'));
  });
  after(async () => {
    await agent?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // With only Read offered, and with its default set of tools: these include `Agent` and `ToolSearch`,
  // names the proxy's CLI keeps for itself, which the proxy declares under other names.
  for (const [label, extra] of [
    ['only Read', ['--tools=Read']],
    ['all its tools', []],
  ] as const) {
    test(`the client runs Read on a real file and its result carries the file text (${label})`, async () => {
      const run = path.join(dir, label.replace(/\W+/g, '-'));
      const home = path.join(run, 'home');
      const cwd = path.join(run, 'work');
      await Promise.all([mkdir(home, { recursive: true }), mkdir(cwd, { recursive: true })]);
      const file = path.join(cwd, 'note.txt');
      await writeFile(file, 'The secret word is heliotrope.\n');
      const since = agent.mock.requests.length;

      const prompt = `Read the note. [[tool:Read]] [[input:${JSON.stringify({ file_path: file })}]]`;
      const client = await runClaudeCode(agent.proxy.url, home, cwd, prompt, [...extra]);
      assert.equal(client.code, 0, `stdout: ${client.stdout}\nstderr: ${client.stderr}`);
      const result = JSON.parse(client.stdout);
      assert.equal(result.is_error, false, client.stdout);
      assert.match(result.result, /^Result received: [\s\S]*The secret word is heliotrope\./);

      // Through the proxy, the model saw the client's Read among its tools, then the result of the call.
      const calls = agent.calls(since);
      assert.ok(offeredTools(calls[0]!).includes('Read'), 'the client declared Read');
      assertToolRoundTrip(calls.at(-1)!, 'Read', 'The secret word is heliotrope.');
    });
  }
});
