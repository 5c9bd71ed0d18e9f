import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '../logger.js';
import type { CliLaunch } from './cli-process.js';
import { CliProcess } from './cli-process.js';

/**
 * Ready CLI processes, started ahead of the requests that will use them: a
 * process left waiting on stdin streams its first token in a fraction of a
 * fresh spawn's time. Rules:
 * - A process serves exactly one request and is then ended, like a fresh one
 *   (nothing of one conversation can reach the next).
 * - Processes are kept per launch key (what must be on argv or in the
 *   environment: model, thinking, output cap); the keys kept warm are those of
 *   recent requests, most used first.
 * - A process that died, or whose CLI binary changed since it was spawned, is
 *   ended and never handed out.
 * - The pool never holds more than `maxWarm` processes nor more than the memory
 *   budget allows; a process idle past `idleTimeoutMs` is ended, and a key not
 *   used for that long is no longer warmed.
 */

export interface PoolSettings {
  enabled: boolean;
  maxWarm: number;
  idleTimeoutMs: number;
  memoryBudgetMb: number;
  recentRequests: number;
}

export interface WarmPoolDeps {
  spawn: (launch: CliLaunch) => CliProcess;
  logger: Logger;
  now?: () => number;
  /** Identity of the binary at a path (changes when it is replaced or updated). */
  binarySignature?: (path: string) => string | undefined;
  /** Resident memory of a process in bytes, where the platform tells. */
  residentBytes?: (pid: number) => number | undefined;
}

export interface PoolStats {
  enabled: boolean;
  warm: number;
  /** What the settings and the memory budget allow right now. */
  maxWarm: number;
  hits: number;
  misses: number;
  keys: { model: string; warm: number }[];
}

interface Warm {
  process: CliProcess;
  key: string;
  signature: string | undefined;
  idleTimer: NodeJS.Timeout;
}

interface KeyUse {
  launch: CliLaunch;
  lastUsed: number;
  /** Until when this key is not warmed, after its processes kept dying on their own. */
  backoffUntil: number;
  failures: number;
}

/** About what one idle CLI 2.1.331 process holds (measured: ~210 MB), used where RSS cannot be read. */
const ASSUMED_PROCESS_MB = 210;
const MB = 1024 * 1024;
const RESIDENT_TTL_MS = 10_000;

export function launchKey(launch: CliLaunch): string {
  const env = ['CLAUDE_CODE_MAX_OUTPUT_TOKENS', 'MAX_THINKING_TOKENS', 'CLAUDE_CODE_EXTRA_BODY'].map(
    (name) => `${name}=${launch.env[name] ?? ''}`,
  );
  return JSON.stringify([launch.command, launch.cwd, ...launch.args, ...env]);
}

export function fileSignature(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}

export function procResidentBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export class WarmPool {
  private readonly warm: Warm[] = [];
  private readonly recent: string[] = [];
  private readonly keys = new Map<string, KeyUse>();
  /** Measured memory per warm pid: read at most every RESIDENT_TTL_MS, not on every /health. */
  private readonly resident = new Map<number, { bytes: number | undefined; at: number }>();
  private refillScheduled = false;
  private closed = false;
  hits = 0;
  misses = 0;

  constructor(
    private settings: PoolSettings,
    private readonly deps: WarmPoolDeps,
  ) {}

  configure(settings: PoolSettings): void {
    this.settings = settings;
    if (!settings.enabled) void this.clear();
    else this.trim();
  }

  /**
   * A ready process for this launch, or undefined (the caller spawns fresh).
   * Either way the key counts as used. The caller calls `refill()` once its
   * turn is under way: a CLI starting up takes a core for a few hundred
   * milliseconds, which would slow the very request that used the pool (its
   * replay of earlier turns above all).
   */
  take(launch: CliLaunch): CliProcess | undefined {
    if (!this.settings.enabled || this.closed) return undefined;
    const key = launchKey(launch);
    this.noteUse(key, launch);
    let found: CliProcess | undefined;
    for (let index = 0; index < this.warm.length && !found;) {
      const entry = this.warm[index]!;
      if (entry.key !== key) {
        index++;
        continue;
      }
      this.remove(entry);
      if (entry.process.running && entry.signature === this.signature(launch.command)) found = entry.process;
      else void this.discard(entry, entry.process.running ? 'the CLI binary changed' : 'it died while waiting');
    }
    if (found) {
      this.hits++;
      this.keys.get(key)!.failures = 0;
    } else {
      this.misses++;
    }
    return found;
  }

  get size(): number {
    return this.warm.length;
  }

  /** The warm processes' pids, oldest first. */
  get pids(): number[] {
    return this.warm.flatMap((entry) => (entry.process.pid === undefined ? [] : [entry.process.pid]));
  }

  stats(): PoolStats {
    const perKey = new Map<string, number>();
    for (const entry of this.warm) perKey.set(entry.key, (perKey.get(entry.key) ?? 0) + 1);
    const targets = this.targets();
    return {
      enabled: this.settings.enabled,
      warm: this.warm.length,
      maxWarm: this.capacity(),
      hits: this.hits,
      misses: this.misses,
      keys: [...this.keys.entries()]
        .filter(([key]) => targets.has(key) || perKey.has(key))
        .map(([key, use]) => ({ model: modelOf(use.launch), warm: perKey.get(key) ?? 0 })),
    };
  }

  /** Ends every warm process (the CLI path changed, or the proxy stops). */
  clear(): Promise<unknown> {
    const entries = this.warm.splice(0);
    return Promise.all(entries.map((entry) => this.discard(entry, 'the pool was cleared')));
  }

  /**
   * Ends every warm process and forgets which kinds to warm: each kind holds the
   * command it was launched with, so after the CLI path changes a refill from
   * a remembered kind would start the old program again.
   */
  reset(): Promise<unknown> {
    this.keys.clear();
    this.recent.length = 0;
    return this.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.clear();
  }

  reopen(): void {
    this.closed = false;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private signature(command: string): string | undefined {
    return (this.deps.binarySignature ?? fileSignature)(command);
  }

  private noteUse(key: string, launch: CliLaunch): void {
    const use = this.keys.get(key);
    if (use) Object.assign(use, { launch, lastUsed: this.now() });
    else this.keys.set(key, { launch, lastUsed: this.now(), backoffUntil: 0, failures: 0 });
    this.recent.push(key);
    while (this.recent.length > this.settings.recentRequests) this.recent.shift();
    for (const known of this.keys.keys()) if (!this.recent.includes(known)) this.keys.delete(known);
  }

  /** How many processes the budget allows, from measured memory where available. */
  private capacity(): number {
    const measured = this.warm
      .map((entry) => (entry.process.pid === undefined ? undefined : this.residentBytes(entry.process.pid)))
      .filter((bytes): bytes is number => bytes !== undefined && bytes > 0);
    const perProcessMb = measured.length > 0 ? Math.max(1, measured.reduce((a, b) => a + b, 0) / measured.length / MB) : ASSUMED_PROCESS_MB;
    return Math.max(0, Math.min(this.settings.maxWarm, Math.floor(this.settings.memoryBudgetMb / perProcessMb)));
  }

  private residentBytes(pid: number): number | undefined {
    const now = this.now();
    const cached = this.resident.get(pid);
    if (cached && now - cached.at < RESIDENT_TTL_MS) return cached.bytes;
    const bytes = (this.deps.residentBytes ?? procResidentBytes)(pid);
    this.resident.set(pid, { bytes, at: now });
    return bytes;
  }

  /** Wanted warm count per key: one each for the most used recent keys, extra for the busiest. */
  private targets(): Map<string, number> {
    const now = this.now();
    const counts = new Map<string, number>();
    for (const key of this.recent) counts.set(key, (counts.get(key) ?? 0) + 1);
    const ranked = [...counts.entries()]
      .filter(([key]) => {
        const use = this.keys.get(key);
        return use !== undefined && now - use.lastUsed < this.settings.idleTimeoutMs && now >= use.backoffUntil;
      })
      // A tie keeps what is already warm: a client that changes a per-request value such as `max_tokens` on
      // every request would otherwise have each new kind displace the last, ending a warm process nobody used
      // for every request it makes (20 processes for 10 requests). So the pool's waste stays below maxWarm.
      .sort(
        (a, b) =>
          b[1] - a[1] ||
          Number(this.isWarm(b[0])) - Number(this.isWarm(a[0])) ||
          this.keys.get(b[0])!.lastUsed - this.keys.get(a[0])!.lastUsed,
      )
      .map(([key]) => key);
    const targets = new Map<string, number>();
    let left = this.capacity();
    for (const key of ranked) {
      if (left === 0) break;
      targets.set(key, 1);
      left--;
    }
    // What the budget still allows goes to the busiest key, which is the likeliest to see concurrent requests.
    if (ranked[0] !== undefined && left > 0) targets.set(ranked[0], targets.get(ranked[0])! + left);
    return targets;
  }

  private isWarm(key: string): boolean {
    return this.warm.some((entry) => entry.key === key);
  }

  /** Brings the pool back to its targets, in the background (see `take`). */
  refill(): void {
    this.scheduleRefill();
  }

  private scheduleRefill(): void {
    if (this.refillScheduled || this.closed || !this.settings.enabled) return;
    this.refillScheduled = true;
    setTimeout(() => {
      this.refillScheduled = false;
      this.fill();
    }, 0).unref();
  }

  private fill(): void {
    if (this.closed || !this.settings.enabled) return;
    this.trim();
    const targets = this.targets();
    for (const [key, wanted] of targets) {
      const have = this.warm.filter((entry) => entry.key === key).length;
      for (let i = have; i < wanted && this.warm.length < this.capacity(); i++) this.spawnWarm(key);
    }
  }

  /** Ends processes beyond the targets (capacity shrank, keys went cold). */
  private trim(): void {
    const targets = this.targets();
    const kept = new Map<string, number>();
    for (const entry of [...this.warm]) {
      const count = (kept.get(entry.key) ?? 0) + 1;
      if (count > (targets.get(entry.key) ?? 0)) {
        this.remove(entry);
        void this.discard(entry, 'no longer needed');
      } else {
        kept.set(entry.key, count);
      }
    }
  }

  private spawnWarm(key: string): void {
    const use = this.keys.get(key);
    if (!use) return;
    let process: CliProcess;
    try {
      process = this.deps.spawn(use.launch);
    } catch (error) {
      this.deps.logger.warn('Could not start a warm Claude CLI process', { error: String(error) });
      return;
    }
    const entry: Warm = {
      process,
      key,
      signature: this.signature(use.launch.command),
      idleTimer: setTimeout(() => {
        this.remove(entry);
        void this.discard(entry, 'idle past the expiry');
      }, this.settings.idleTimeoutMs),
    };
    entry.idleTimer.unref();
    this.warm.push(entry);
    void process.exited.then(() => {
      if (!this.warm.includes(entry)) return;
      // Died while waiting, before anyone used it: back off so a broken CLI is not respawned in a loop.
      this.remove(entry);
      use.failures++;
      use.backoffUntil = this.now() + Math.min(300_000, 5_000 * 2 ** Math.min(use.failures, 6));
      this.deps.logger.warn('A warm Claude CLI process exited on its own', { pid: process.pid, failures: use.failures });
    });
  }

  private remove(entry: Warm): void {
    clearTimeout(entry.idleTimer);
    if (entry.process.pid !== undefined) this.resident.delete(entry.process.pid);
    const index = this.warm.indexOf(entry);
    if (index !== -1) this.warm.splice(index, 1);
  }

  private discard(entry: Warm, why: string): Promise<unknown> {
    clearTimeout(entry.idleTimer);
    this.deps.logger.debug('Ending a warm Claude CLI process', { pid: entry.process.pid, why });
    return entry.process.stop();
  }
}

function modelOf(launch: CliLaunch): string {
  return launch.args.find((arg) => arg.startsWith('--model='))?.slice('--model='.length) ?? '';
}
