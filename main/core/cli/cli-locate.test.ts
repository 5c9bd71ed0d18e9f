import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cliEnv, CliLocator, defaultCliCandidates, locateCli, systemHost, type LocateHost } from './cli-locate.js';
import { parseCmdShim } from './cmd-shim.js';

/** A machine of any OS: `files` are the runnable files (path → contents). */
function fakeHost(
  platform: NodeJS.Platform,
  files: Record<string, string>,
  env: NodeJS.ProcessEnv,
  home: string,
  execPath: string,
): LocateHost {
  return {
    platform,
    env,
    home,
    execPath,
    isRunnable: async (file) => file in files,
    readText: async (file) => files[file],
  };
}

// What npm's cmd-shim writes for a native bin (Claude Code's bin/claude.exe) and for a JavaScript bin.
const EXE_SHIM = `@ECHO off\r\nGOTO start\r\n:find_dp0\r\nSET dp0=%~dp0\r\nEXIT /b\r\n:start\r\nSETLOCAL\r\nCALL :find_dp0\r\n"%dp0%\\node_modules\\@anthropic-ai\\claude-code\\bin\\claude.exe"   %*\r\n`;
const JS_SHIM = `@ECHO off\r\nGOTO start\r\n:find_dp0\r\nSET dp0=%~dp0\r\nEXIT /b\r\n:start\r\nSETLOCAL\r\nCALL :find_dp0\r\n\r\nIF EXIST "%dp0%\\node.exe" (\r\n  SET "_prog=%dp0%\\node.exe"\r\n) ELSE (\r\n  SET "_prog=node"\r\n  SET PATHEXT=%PATHEXT:;.JS;=;%\r\n)\r\n\r\nendLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%"  "%dp0%\\node_modules\\@anthropic-ai\\claude-code\\cli.js" %*\r\n`;

describe('locating the claude CLI', () => {
  it('Linux: PATH, the native installer, the old local install, npm’s global bins, /usr/local; a project’s own node_modules/.bin last', () => {
    const env = { PATH: ['/proj/node_modules/.bin', '/usr/local/bin', '/usr/bin'].join(':'), npm_config_prefix: '/opt/npm' };
    const candidates = [
      ...new Set(defaultCliCandidates({ platform: 'linux', env, home: '/home/u', execPath: '/home/u/.nvm/versions/node/v20/bin/node' })),
    ];
    assert.deepEqual(candidates, [
      '/usr/local/bin/claude',
      '/usr/bin/claude',
      '/home/u/.local/bin/claude',
      '/home/u/.claude/local/claude',
      '/opt/npm/bin/claude',
      '/home/u/.nvm/versions/node/v20/bin/claude',
      '/home/u/.npm-global/bin/claude',
      '/home/u/.volta/bin/claude',
      '/proj/node_modules/.bin/claude',
    ]);
  });

  it('macOS: Homebrew’s bins too, for a service started with a bare PATH', async () => {
    const host = fakeHost(
      'darwin',
      { '/opt/homebrew/bin/claude': '' },
      { PATH: '/usr/bin:/bin' },
      '/Users/u',
      '/Users/u/.nvm/versions/node/v20/bin/node',
    );
    const candidates = defaultCliCandidates(host);
    assert.ok(candidates.indexOf('/opt/homebrew/bin/claude') < candidates.indexOf('/usr/local/bin/claude'));
    assert.deepEqual((await locateCli(undefined, host)).command, { command: '/opt/homebrew/bin/claude', args: [] });
  });

  it('Windows: claude.exe and claude.cmd on PATH, the native installer, %APPDATA%\\npm; never the bare sh shim', () => {
    const env = { Path: 'C:\\proj\\node_modules\\.bin;C:\\tools', APPDATA: 'C:\\Users\\u\\AppData\\Roaming' };
    const candidates = [
      ...new Set(defaultCliCandidates({ platform: 'win32', env, home: 'C:\\Users\\u', execPath: 'C:\\Program Files\\nodejs\\node.exe' })),
    ];
    assert.deepEqual(candidates, [
      'C:\\tools\\claude.exe',
      'C:\\tools\\claude.cmd',
      'C:\\Users\\u\\.local\\bin\\claude.exe',
      'C:\\Users\\u\\.claude\\local\\claude.exe',
      'C:\\Users\\u\\.claude\\local\\claude.cmd',
      'C:\\Users\\u\\AppData\\Roaming\\npm\\claude.exe',
      'C:\\Users\\u\\AppData\\Roaming\\npm\\claude.cmd',
      'C:\\Program Files\\nodejs\\claude.exe',
      'C:\\Program Files\\nodejs\\claude.cmd',
      'C:\\proj\\node_modules\\.bin\\claude.exe',
      'C:\\proj\\node_modules\\.bin\\claude.cmd',
    ]);
  });

  it('Windows: an npm shim is never spawned; the native claude.exe it names is', async () => {
    const npm = 'C:\\Users\\u\\AppData\\Roaming\\npm';
    const exe = `${npm}\\node_modules\\@anthropic-ai\\claude-code\\bin\\claude.exe`;
    const host = fakeHost(
      'win32',
      { [`${npm}\\claude.cmd`]: EXE_SHIM, [exe]: '' },
      { APPDATA: `${npm}\\..` },
      'C:\\Users\\u',
      'C:\\node\\node.exe',
    );
    const location = await locateCli(undefined, host);
    assert.equal(location.path, `${npm}\\claude.cmd`);
    assert.deepEqual(location.command, { command: exe, args: [] });
  });

  it('Windows: a shim for a JavaScript bin runs its script with the node.exe beside it, else the one on PATH', async () => {
    const dir = 'D:\\npm';
    const script = `${dir}\\node_modules\\@anthropic-ai\\claude-code\\cli.js`;
    const files = { [`${dir}\\claude.cmd`]: JS_SHIM, [script]: '', 'C:\\nodejs\\node.exe': '' };
    const onPath = await locateCli(`${dir}\\claude.cmd`, fakeHost('win32', files, { PATH: 'C:\\nodejs' }, 'C:\\Users\\u', 'C:\\x.exe'));
    assert.deepEqual(onPath.command, { command: 'C:\\nodejs\\node.exe', args: [script] });
    const beside = await locateCli(
      `${dir}\\claude.cmd`,
      fakeHost('win32', { ...files, [`${dir}\\node.exe`]: '' }, { PATH: 'C:\\nodejs' }, 'C:\\Users\\u', 'C:\\x.exe'),
    );
    assert.deepEqual(beside.command, { command: `${dir}\\node.exe`, args: [script] });
  });

  it('Windows: a shim whose target is gone, or that is not npm’s, says so; the next candidate is still tried', async () => {
    const tools = 'C:\\tools';
    const broken = fakeHost('win32', { [`${tools}\\claude.cmd`]: EXE_SHIM }, { PATH: tools }, 'C:\\Users\\u', 'C:\\node\\node.exe');
    const missing = await locateCli(undefined, broken);
    assert.equal(missing.command, undefined);
    assert.match(missing.problem ?? '', /claude\.cmd runs .*claude\.exe, which is missing/);
    const foreign = await locateCli(
      `${tools}\\claude.cmd`,
      fakeHost('win32', { [`${tools}\\claude.cmd`]: '@echo off\r\nclaude-real %*' }, {}, 'C:\\Users\\u', 'C:\\n.exe'),
    );
    assert.match(foreign.problem ?? '', /not an npm shim/);
    const native = 'C:\\Users\\u\\.local\\bin\\claude.exe';
    const fallback = await locateCli(
      undefined,
      fakeHost('win32', { [`${tools}\\claude.cmd`]: EXE_SHIM, [native]: '' }, { PATH: tools }, 'C:\\Users\\u', 'C:\\n.exe'),
    );
    assert.deepEqual(fallback.command, { command: native, args: [] });
  });

  it('parses both shapes of shim, old (%~dp0) and new (%dp0%)', () => {
    assert.deepEqual(parseCmdShim(EXE_SHIM, 'C:\\npm\\claude.cmd'), {
      target: 'C:\\npm\\node_modules\\@anthropic-ai\\claude-code\\bin\\claude.exe',
      script: false,
    });
    assert.deepEqual(parseCmdShim('@"%~dp0\\..\\lib\\cli.js" %*', 'C:\\npm\\bin\\claude.cmd'), {
      target: 'C:\\npm\\lib\\cli.js',
      script: true,
    });
    assert.equal(parseCmdShim('@echo off', 'C:\\claude.cmd'), undefined);
  });

  it('finds the first executable candidate on the real file system; an explicit path is the only candidate', async () => {
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
      assert.equal((await locateCli(undefined, systemHost(env))).path, path.join(second, 'claude'));
      const explicit = await locateCli(path.join(first, 'claude'), systemHost(env));
      assert.equal(explicit.path, undefined, 'an explicit path that is not executable is not replaced by another');
      assert.deepEqual(explicit.searched, [path.join(first, 'claude')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the locator searches once, then only checks the file is still there; a removed binary is searched for again', async () => {
    const files: Record<string, string> = { '/a/claude': '', '/b/claude': '' };
    let checks = 0;
    const host = {
      ...fakeHost('linux', files, { PATH: '/a:/b' }, '/home/u', '/usr/bin/node'),
      isRunnable: async (file: string) => (checks++, file in files),
    };
    const locator = new CliLocator(host);
    assert.equal((await locator.locate(undefined)).path, '/a/claude');
    checks = 0;
    assert.equal((await locator.locate(undefined)).path, '/a/claude');
    assert.equal(checks, 1, 'one check of the cached file');
    delete files['/a/claude'];
    assert.equal((await locator.locate(undefined)).path, '/b/claude');
    assert.equal((await locator.locate('/a/claude')).path, undefined, 'another explicit path is another search');
  });

  it('the child inherits the environment, minus NODE_OPTIONS and stale caps, plus the quiet flags', () => {
    const env = cliEnv(
      { CLAUDE_CODE_MAX_OUTPUT_TOKENS: '5' },
      {
        HOME: '/home/u',
        ANTHROPIC_BASE_URL: 'http://x',
        CLAUDE_CODE_OAUTH_TOKEN: 't',
        NODE_OPTIONS: '--inspect',
        MAX_THINKING_TOKENS: '9',
      },
    );
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
