import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Ends every CLI child when the proxy dies without ending them itself
 * (SIGKILL, a crash, the OOM killer). Warm processes would exit on their own
 * (their stdin closes), but a child in the middle of an answer would run its
 * turn to the end, spending the user's subscription with nobody reading.
 *
 * One watchdog process per proxy, not one per child, so a request pays
 * nothing for it. The proxy writes `+pid` when it starts a child and `-pid`
 * when the child is gone, on a pipe whose only writer is the proxy (Node opens
 * its pipes close-on-exec, so the CLI children do not hold it). However the
 * proxy ends, the kernel closes that pipe; the watchdog reads end-of-file and
 * kills what it still holds: the child's process group on POSIX (each child
 * leads its own), the child's tree with `taskkill /T /F` on Windows.
 *
 * POSIX: `/bin/sh` with builtins only (about a megabyte, starts in a few ms).
 * It ignores the terminal's signals and lives in its own process group, so a
 * Ctrl-C that reaches the proxy does not take the watchdog first.
 * Windows has no sh: a Node script run by the proxy's own Node; under Electron
 * (whose packaged binary has the RunAsNode fuse off, so it cannot act as Node)
 * the same loop in Windows PowerShell, which every Windows has.
 */

// `pids` is a space-framed list (" 12 34 ") so that removal is two parameter expansions, no subprocess.
// "ready" (to stdout, which the proxy discards) tells a test the traps are set.
// Only the group is killed: every CLI leads its own, so once that group is gone its pid can only be another's process.
export const POSIX_WATCHDOG = `trap '' INT HUP TERM QUIT
echo ready
pids=' '
while IFS= read -r line; do
  p=\${line#?}
  case $line in
    +*) pids="$pids$p " ;;
    -*) case $pids in *" $p "*) pids="\${pids%% $p *} \${pids#* $p }" ;; esac ;;
  esac
done
for p in $pids; do kill -s KILL -- "-$p" 2>/dev/null; done
`;

/**
 * taskkill by its full path: Windows looks for a bare name in the current
 * directory first, where anyone able to write there could plant their own.
 */
export function taskkillPath(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows'}\\System32\\taskkill.exe`;
}

// Run as \`node -e WINDOWS_WATCHDOG <taskkill path>\`: the path is process.argv[1].
export const WINDOWS_WATCHDOG = `const { execFileSync } = require('node:child_process');
const taskkill = process.argv[1];
for (const s of ['SIGINT', 'SIGHUP', 'SIGTERM', 'SIGBREAK']) process.on(s, () => {});
const pids = new Set();
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  const lines = buffer.split('\\n');
  buffer = lines.pop();
  for (const line of lines) (line[0] === '+' ? pids.add(line.slice(1)) : pids.delete(line.slice(1)));
});
const killAll = () => {
  for (const pid of pids) try { execFileSync(taskkill, ['/T', '/F', '/PID', pid], { stdio: 'ignore', windowsHide: true }); } catch {}
  process.exit(0);
};
process.stdin.on('end', killAll);
process.stdin.on('error', killAll);
`;

export const POWERSHELL_WATCHDOG = `$ErrorActionPreference = 'SilentlyContinue'
$pids = New-Object 'System.Collections.Generic.HashSet[string]'
while ($null -ne ($line = [Console]::In.ReadLine())) {
  if ($line.StartsWith('+')) { [void]$pids.Add($line.Substring(1)) }
  elseif ($line.StartsWith('-')) { [void]$pids.Remove($line.Substring(1)) }
}
$root = if ($env:SystemRoot) { $env:SystemRoot } else { 'C:\\Windows' }
foreach ($p in $pids) { & "$root\\System32\\taskkill.exe" /T /F /PID $p 2>&1 | Out-Null }
`;

export interface WatchdogCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  detached: boolean;
}

/** How to start the watchdog on `platform`; `execPath` is this runtime's binary (Node, or Electron). */
export function watchdogCommand(
  platform: NodeJS.Platform,
  execPath: string,
  env: NodeJS.ProcessEnv,
  runtime: 'node' | 'electron' = process.versions.electron ? 'electron' : 'node',
): WatchdogCommand {
  if (platform === 'win32' && runtime === 'electron') {
    const root = env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows';
    // -EncodedCommand (UTF-16LE, base64) carries the script with no quoting rules to get wrong.
    const encoded = Buffer.from(POWERSHELL_WATCHDOG, 'utf16le').toString('base64');
    return {
      command: `${root}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`,
      args: ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encoded],
      env,
      detached: false,
    };
  }
  if (platform === 'win32') {
    return { command: execPath, args: ['-e', WINDOWS_WATCHDOG, taskkillPath(env)], env: { ...env, NODE_OPTIONS: '' }, detached: false };
  }
  return { command: '/bin/sh', args: ['-c', POSIX_WATCHDOG], env: {}, detached: true };
}

export interface ChildGuard {
  track(pid: number): void;
  untrack(pid: number): void;
}

export class CliWatchdog implements ChildGuard {
  private child: ChildProcess | undefined;
  private readonly tracked = new Set<number>();

  constructor(private readonly start: WatchdogCommand = watchdogCommand(process.platform, process.execPath, process.env)) {}

  track(pid: number): void {
    // Sent before it joins the set: a watchdog started by this send is given the set, not this pid twice.
    this.send(`+${pid}`);
    this.tracked.add(pid);
  }

  untrack(pid: number): void {
    if (this.tracked.delete(pid)) this.send(`-${pid}`);
  }

  /** Ends the watchdog, which first kills every child still tracked (as if the proxy had died). */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  /** The watchdog's own pid (for tests); starts it if needed. */
  get pid(): number | undefined {
    return this.ensure()?.pid;
  }

  private send(line: string): void {
    const stdin = this.ensure()?.stdin;
    if (stdin?.writable) stdin.write(`${line}\n`);
  }

  private ensure(): ChildProcess | undefined {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    let child: ChildProcess;
    try {
      child = spawn(this.start.command, this.start.args, {
        stdio: ['pipe', 'ignore', 'ignore'],
        env: this.start.env,
        detached: this.start.detached,
        windowsHide: true,
      });
    } catch {
      // No watchdog is a lost safety net, not a reason to refuse requests.
      return undefined;
    }
    child.on('error', () => {});
    child.stdin?.on('error', () => {});
    // It must never keep the proxy alive: the proxy ending is its whole job.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.child = child;
    // Killed from outside: the next one starts knowing every child still running.
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    if (this.tracked.size > 0) child.stdin?.write([...this.tracked].map((pid) => `+${pid}\n`).join(''));
    return child;
  }
}

let shared: CliWatchdog | undefined;

/** The one watchdog of this process, started on first use. */
export function sharedWatchdog(): CliWatchdog {
  shared ??= new CliWatchdog();
  return shared;
}
