import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cliEnv, defaultCliCandidates, locateCli } from './cli-locate.js';

describe('locating the claude CLI', () => {
  it('searches PATH, then the installers’ places, then npm’s global bin; a project’s own node_modules/.bin last', () => {
    const env = { PATH: ['/proj/node_modules/.bin', '/usr/local/bin', '/usr/bin'].join(path.delimiter), npm_config_prefix: '/opt/npm' };
    const candidates = defaultCliCandidates(env, '/home/u');
    assert.deepEqual(candidates, [
      '/usr/local/bin/claude',
      '/usr/bin/claude',
      '/home/u/.claude/local/claude',
      '/home/u/.local/bin/claude',
      '/opt/npm/bin/claude',
      '/proj/node_modules/.bin/claude',
    ]);
  });

  it('finds the first executable candidate; an explicit path is the only candidate', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ccp-locate-'));
    try {
      const first = path.join(dir, 'a');
      const second = path.join(dir, 'b');
      await mkdir(first);
      await mkdir(second);
      await writeFile(path.join(first, 'claude'), 'not executable');
      await writeFile(path.join(second, 'claude'), '#!/bin/sh\n');
      await chmod(path.join(second, 'claude'), 0o755);
      const env = { PATH: [first, second].join(path.delimiter) };
      assert.equal(locateCli(undefined, env).path, path.join(second, 'claude'));
      const explicit = locateCli(path.join(first, 'claude'), env);
      assert.equal(explicit.path, undefined, 'an explicit path that is not executable is not replaced by another');
      assert.deepEqual(explicit.searched, [path.join(first, 'claude')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the child inherits the environment, minus NODE_OPTIONS and stale caps, plus the quiet flags', () => {
    const env = cliEnv({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '5' }, {
      HOME: '/home/u',
      ANTHROPIC_BASE_URL: 'http://x',
      CLAUDE_CODE_OAUTH_TOKEN: 't',
      NODE_OPTIONS: '--inspect',
      MAX_THINKING_TOKENS: '9',
    });
    assert.equal(env.HOME, '/home/u');
    assert.equal(env.ANTHROPIC_BASE_URL, 'http://x');
    assert.equal(env.CLAUDE_CODE_OAUTH_TOKEN, 't');
    assert.equal(env.NODE_OPTIONS, undefined);
    assert.equal(env.MAX_THINKING_TOKENS, undefined);
    assert.equal(env.CLAUDE_CODE_MAX_OUTPUT_TOKENS, '5');
    assert.equal(env.CLAUDE_CODE_MAX_RETRIES, '2');
    assert.equal(env.DISABLE_TELEMETRY, '1');
    assert.equal(cliEnv({}, { CLAUDE_CODE_MAX_RETRIES: '0' }).CLAUDE_CODE_MAX_RETRIES, '0', 'the user’s own choice stands');
  });
});
