import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BridgeService } from '../../core/bridge/bridge-service.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { ProxyService } from '../../core/proxy.js';
import { defaultSettings, saveSettings, type Settings } from '../../core/settings.js';

export const FAKE_CLI = fileURLToPath(new URL('../fixtures/fake-claude.mjs', import.meta.url));

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export interface TestProxy {
  url: string;
  port: number;
  proxy: ProxyService;
  dataDir: string;
  /** Where the fake CLI records a file per live process. */
  pidDir: string;
  /** The window contract, when started with `bridge: true` (served at /dashboard/api). */
  bridge: BridgeService | undefined;
  /** Where it listens now (it moves when the window changes the port). */
  currentUrl(): string;
  close(): Promise<void>;
}

export interface TestProxyOptions {
  settings?: DeepPartial<Settings>;
  cliPath?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  now?: () => number;
  /** Reuse a data directory (e.g. to restart on the same history); the caller removes it. */
  dataDir?: string;
  /** Attach a BridgeService, as the headless server does, so the dashboard works. */
  bridge?: boolean;
}

/** A real proxy on an ephemeral loopback port, driving the fake CLI unless told otherwise. */
export async function startTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'ccp-test-')));
  const pidDir = path.join(dataDir, 'pids');
  await import('node:fs/promises').then((fs) => fs.mkdir(pidDir, { recursive: true }));
  const base = defaultSettings();
  const overrides = options.settings ?? {};
  const settings: Settings = {
    ...base,
    ...(overrides as Partial<Settings>),
    port: 0,
    cliPath: options.cliPath ?? FAKE_CLI,
    rateLimit: { ...base.rateLimit, ...overrides.rateLimit },
    cli: { ...base.cli, ...overrides.cli },
    history: { ...base.history, ...overrides.history },
    // Off unless a test turns it on: the leak checks count every live CLI process, and warm ones are alive by design.
    pool: { ...base.pool, enabled: false, ...overrides.pool },
  };
  const proxy = new ProxyService({
    settings,
    dataDir,
    logger: options.logger ?? silentLogger,
    version: '0.0.0-test',
    env: { ...process.env, FAKE_CLAUDE_PID_DIR: pidDir, ...options.env },
    ...(options.now ? { now: options.now } : {}),
  });
  const bridge = options.bridge ? new BridgeService(proxy, { persist: (next) => saveSettings(dataDir, next), limitsIntervalMs: 500 }) : undefined;
  if (bridge) proxy.attachBridge(bridge);
  await proxy.init();
  const { port } = await proxy.start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proxy,
    dataDir,
    pidDir,
    bridge,
    currentUrl: () => proxy.server.listening?.url ?? `http://127.0.0.1:${port}`,
    async close() {
      bridge?.close();
      await proxy.shutdown();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** PIDs of fake CLI processes still alive (a pid file left by SIGKILL is checked for liveness). */
export async function liveCliPids(pidDir: string): Promise<number[]> {
  const names = await readdir(pidDir).catch(() => [] as string[]);
  return names.map(Number).filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Parses an SSE body into events (comments dropped). */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: data.join('\n') };
    })
    .filter((event) => event.event !== undefined || event.data !== '');
}
