import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { checkCliPath, type PathCheck } from './cli-path-check.js';
import { isShim, parseCmdShim } from './cmd-shim.js';

/**
 * Finds the `claude` binary: an explicit path (flag, CLAUDE_CLI_PATH, settings)
 * wins; otherwise PATH, then the places the installers use on each OS. The
 * platform, environment and file system come in through `LocateHost`, so the
 * Windows and macOS rules are tested on any machine.
 */

export interface LocateHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  /** This runtime's binary: npm's default global prefix is next to it. */
  execPath: string;
  /** A file this user may run (on Windows: one that exists). */
  isRunnable(file: string): Promise<boolean>;
  readText(file: string): Promise<string | undefined>;
  /** Whether an explicit path may be run, and the file it leads to (cli-path-check.ts); absent where the host cannot tell. */
  checkPath?(file: string): Promise<PathCheck>;
}

/** What to spawn: the binary itself, or Node and the script an npm shim names. */
export interface CliCommand {
  command: string;
  args: string[];
}

export interface CliLocation {
  /** The file found (shown in /health). */
  path: string | undefined;
  command: CliCommand | undefined;
  /** Where it was looked for, to explain a miss. */
  searched: string[];
  /** Why a file that was there cannot be used (a broken npm shim). */
  problem?: string;
  /** Why an explicit path was not used (cli-path-check.ts), when it was not. */
  refused?: string;
}

export function systemHost(env: NodeJS.ProcessEnv = process.env): LocateHost {
  const platform = process.platform;
  return {
    platform,
    env,
    home: homedir(),
    execPath: process.execPath,
    isRunnable: async (file) => {
      try {
        if (!(await stat(file)).isFile()) return false;
        await access(file, platform === 'win32' ? constants.F_OK : constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    readText: (file) => readFile(file, 'utf8').catch(() => undefined),
    checkPath: (file) => checkCliPath(file),
  };
}

export function defaultCliCandidates(host: Pick<LocateHost, 'platform' | 'env' | 'home' | 'execPath'>): string[] {
  const windows = host.platform === 'win32';
  const p = windows ? path.win32 : path.posix;
  const { env, home } = host;
  const pathDirs = (env.PATH ?? env.Path ?? '').split(p.delimiter).filter(Boolean);
  // `npm run` puts the project's own node_modules/.bin first on PATH; the user's own install should win
  // over a copy that only came with this project's dev dependencies.
  const projectBin = (dir: string) => dir.split(/[\\/]/).slice(-2).join('/') === 'node_modules/.bin';
  // A bare `claude` on Windows is npm's sh shim for Git Bash, which cannot be spawned.
  const names = windows ? ['claude.exe', 'claude.cmd'] : ['claude'];
  const inDirs = (dirs: string[]) => dirs.flatMap((dir) => names.map((name) => p.join(dir, name)));
  const nodeDir = p.dirname(host.execPath);
  if (windows) {
    const appData = env.APPDATA ?? p.join(home, 'AppData', 'Roaming');
    return [
      ...inDirs(pathDirs.filter((dir) => !projectBin(dir))),
      p.join(home, '.local', 'bin', 'claude.exe'), // the native installer (install.ps1)
      ...inDirs([p.join(home, '.claude', 'local')]), // `claude migrate-installer`
      ...inDirs([...(env.npm_config_prefix ? [env.npm_config_prefix] : []), p.join(appData, 'npm'), nodeDir]), // npm -g
      ...inDirs(pathDirs.filter(projectBin)),
    ];
  }
  return [
    ...inDirs(pathDirs.filter((dir) => !projectBin(dir))),
    p.join(home, '.local', 'bin', 'claude'), // the native installer (install.sh)
    p.join(home, '.claude', 'local', 'claude'), // `claude migrate-installer`
    ...inDirs([
      ...(env.npm_config_prefix ? [p.join(env.npm_config_prefix, 'bin')] : []), // npm -g with a prefix set
      p.join(p.dirname(nodeDir), 'bin'), // npm -g next to this Node (nvm, fnm, the official packages)
      p.join(home, '.npm-global', 'bin'),
      p.join(home, '.volta', 'bin'),
      ...(host.platform === 'darwin' ? ['/opt/homebrew/bin'] : []), // Homebrew on Apple silicon
      '/usr/local/bin', // Homebrew on Intel, and npm -g with the system Node
      '/usr/bin',
    ]),
    ...inDirs(pathDirs.filter(projectBin)),
  ];
}

type Resolved = { command: CliCommand; problem?: undefined } | { command?: undefined; problem: string };

/** The file to spawn for `file`: itself, or on Windows what its npm shim runs. */
async function resolveCommand(file: string, host: LocateHost): Promise<Resolved> {
  if (host.platform !== 'win32' || !isShim(file)) return { command: { command: file, args: [] } };
  const text = await host.readText(file);
  const shim = text === undefined ? undefined : parseCmdShim(text, file);
  if (!shim) return { problem: `${file} is not an npm shim the proxy can read; point it at claude.exe instead` };
  if (!(await host.isRunnable(shim.target))) return { problem: `${file} runs ${shim.target}, which is missing` };
  if (!shim.script) return { command: { command: shim.target, args: [] } };
  const p = path.win32;
  const pathDirs = (host.env.PATH ?? host.env.Path ?? '').split(p.delimiter).filter(Boolean);
  for (const node of [p.join(p.dirname(file), 'node.exe'), ...pathDirs.map((dir) => p.join(dir, 'node.exe'))]) {
    if (await host.isRunnable(node)) return { command: { command: node, args: [shim.target] } };
  }
  return { problem: `${file} runs a Node script, and node.exe is not on PATH` };
}

export async function locateCli(explicit: string | undefined, host: LocateHost = systemHost()): Promise<CliLocation> {
  const p = host.platform === 'win32' ? path.win32 : path.posix;
  const candidates = explicit ? [p.resolve(explicit)] : [...new Set(defaultCliCandidates(host))];
  if (explicit) {
    // Checked at every use, not only when set: the file could be swapped after it was accepted.
    const checked = await host.checkPath?.(candidates[0]!);
    if (checked?.problem)
      return { path: undefined, command: undefined, searched: candidates, refused: `${candidates[0]} ${checked.problem}` };
    // What was checked is what runs: the link's target, not a link that could be re-pointed since.
    if (checked?.real && (await host.isRunnable(checked.real))) {
      const resolved = await resolveCommand(checked.real, host);
      if (resolved.command) return { path: candidates[0], command: resolved.command, searched: candidates };
      return { path: undefined, command: undefined, searched: candidates, problem: resolved.problem };
    }
  }
  let problem: string | undefined;
  for (const candidate of candidates) {
    if (!(await host.isRunnable(candidate))) continue;
    const resolved = await resolveCommand(candidate, host);
    if (resolved.command) return { path: candidate, command: resolved.command, searched: candidates };
    problem ??= resolved.problem;
  }
  return { path: undefined, command: undefined, searched: candidates, ...(problem ? { problem } : {}) };
}

/**
 * `locateCli` once, then only a check that the file found is still there: a
 * request pays one async stat, not a search. A miss is not kept, so a CLI
 * installed while the proxy runs is found by the next request.
 */
export class CliLocator {
  private found: { key: string; location: CliLocation } | undefined;

  constructor(private readonly host: LocateHost = systemHost()) {}

  async locate(explicit: string | undefined): Promise<CliLocation> {
    const key = JSON.stringify([explicit, this.host.env.PATH ?? this.host.env.Path]);
    // An explicit path is a single file to check anyway, and its rules (cli-path-check.ts) must hold at every use.
    if (explicit) return locateCli(explicit, this.host);
    const found = this.found;
    if (found?.key === key && found.location.path && (await this.host.isRunnable(found.location.path))) return found.location;
    const location = await locateCli(explicit, this.host);
    this.found = location.path ? { key, location } : undefined;
    return location;
  }

  forget(): void {
    this.found = undefined;
  }
}

/** `claude --version`, e.g. "2.1.331 (Claude Code)"; rejects if the binary does not answer in time. */
export function readCliVersion(cli: CliCommand, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cli.command, [...cli.args, '--version'], { timeout: timeoutMs, windowsHide: true, env: cliEnv({}) }, (error, stdout) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- execFile's error is an Error; its type says otherwise
      if (error) reject(error);
      else resolve(stdout.toString().trim().split('\n')[0] ?? '');
    });
  });
}

/** The child's environment: the user's own (credentials, base URL…), minus what must not leak in. */
export function cliEnv(extra: Record<string, string>, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  // The proxy's own Node flags (a debugger, --require hooks) must not reach the CLI.
  delete env.NODE_OPTIONS;
  delete env.CLAUDE_CODE_MAX_OUTPUT_TOKENS;
  delete env.MAX_THINKING_TOKENS;
  delete env.CLAUDE_CODE_EXTRA_BODY;
  return {
    ...env,
    BUN_ENABLE_CRASH_REPORTING: '0',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // The default retries a 401 ten times (minutes); a proxy should fail fast and let the client retry.
    CLAUDE_CODE_MAX_RETRIES: base.CLAUDE_CODE_MAX_RETRIES ?? '2',
    // Client tools under their own names (not mcp__client__name), and declared as given: no
    // deferred-loading placeholder tool the client never declared.
    CLAUDE_AGENT_SDK_MCP_NO_PREFIX: '1',
    ENABLE_TOOL_SEARCH: 'false',
    ...extra,
  };
}
