import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { cliPathProblem } from './cli-path-check.js';

/**
 * Finds the `claude` binary: an explicit path (flag, CLAUDE_CLI_PATH, settings)
 * wins; otherwise PATH, then the places the installers use.
 */

export interface CliLocation {
  path: string | undefined;
  /** Where it was looked for, to explain a miss. */
  searched: string[];
  /** Why an explicit path was not used (cli-path-check.ts), when it was not. */
  refused?: string;
}

const isWindows = process.platform === 'win32';
const NAMES = isWindows ? ['claude.exe', 'claude.cmd', 'claude'] : ['claude'];

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, isWindows ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function defaultCliCandidates(env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  const pathDirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  // `npm run` puts the project's own node_modules/.bin first on PATH; the user's own install should win
  // over a copy that only came with this project's dev dependencies.
  const projectBin = (dir: string) => dir.split(path.sep).slice(-2).join('/') === 'node_modules/.bin';
  const inDirs = (dirs: string[]) => dirs.flatMap((dir) => NAMES.map((name) => path.join(dir, name)));
  const npmPrefix = env.npm_config_prefix ?? (isWindows ? path.dirname(process.execPath) : path.dirname(path.dirname(process.execPath)));
  const npmBin = isWindows ? npmPrefix : path.join(npmPrefix, 'bin');
  return [
    ...inDirs(pathDirs.filter((dir) => !projectBin(dir))),
    path.join(home, '.claude', 'local', isWindows ? 'claude.exe' : 'claude'),
    path.join(home, '.local', 'bin', isWindows ? 'claude.exe' : 'claude'),
    ...NAMES.map((name) => path.join(npmBin, name)),
    ...inDirs(pathDirs.filter(projectBin)),
  ];
}

export function locateCli(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): CliLocation {
  if (explicit) {
    // Checked at every use, not only when set: the file could be swapped after it was accepted.
    const resolved = path.resolve(explicit);
    const refused = cliPathProblem(resolved);
    return refused ? { path: undefined, searched: [resolved], refused: `${resolved} ${refused}` } : { path: resolved, searched: [resolved] };
  }
  const candidates = explicit ? [path.resolve(explicit)] : [...new Set(defaultCliCandidates(env))];
  const found = candidates.find(isExecutable);
  return { path: found, searched: candidates };
}

/** `claude --version`, e.g. "2.1.331 (Claude Code)"; rejects if the binary does not answer in time. */
export function readCliVersion(cliPath: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cliPath, ['--version'], { timeout: timeoutMs, windowsHide: true, env: cliEnv({}) }, (error, stdout) => {
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
  return {
    ...env,
    BUN_ENABLE_CRASH_REPORTING: '0',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // The default retries a 401 ten times (minutes); a proxy should fail fast and let the client retry.
    CLAUDE_CODE_MAX_RETRIES: base.CLAUDE_CODE_MAX_RETRIES ?? '2',
    ...extra,
  };
}
