import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { BridgeHost } from '../../core/bridge/bridge-host.js';
import { BridgeService } from '../../core/bridge/bridge-service.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { ProxyService } from '../../core/proxy.js';
import { defaultSettings, loadSettings, updateSettingsFile, type Settings } from '../../core/settings.js';

export const FAKE_CLI = fileURLToPath(new URL('../fixtures/fake-claude.mjs', import.meta.url));

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export interface TestProxy {
  url: string;
  port: number;
  proxy: ProxyService;
  dataDir: string;
  /** Where the fake CLI records a file per live process. */
  pidDir: string;
  /** Lets the fake CLI's gated turns (`claude-fake-gated`, `claude-fake-stop`) go on: one process's, or all from now on. */
  release(pid?: number): Promise<void>;
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
  /** Reuse a data directory (e.g. to restart on the same history and settings.json); the caller removes it. */
  dataDir?: string;
  /** Attach a BridgeService, as the headless server does, so the dashboard works. */
  bridge?: boolean;
}

/** A real proxy on an ephemeral loopback port, driving the fake CLI unless told otherwise. */
export async function startTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'ccp-test-')));
  const pidDir = path.join(dataDir, 'pids');
  const gateDir = path.join(dataDir, 'gates');
  await mkdir(pidDir, { recursive: true });
  await mkdir(gateDir, { recursive: true });
  // A reused data directory keeps what the window saved there (a restart), under the test's own overrides.
  const base = options.dataDir ? (await loadSettings(dataDir)).settings : defaultSettings();
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
  let bridge: BridgeService | undefined;
  const proxy = new ProxyService({
    settings,
    dataDir,
    logger: options.logger ?? silentLogger,
    version: '0.0.0-test',
    env: { ...process.env, FAKE_CLAUDE_PID_DIR: pidDir, FAKE_CLAUDE_GATE_DIR: gateDir, ...options.env },
    ...(options.now ? { now: options.now } : {}),
    // Saves as the headless server does: only what the window changed (never the test's port 0 or fake CLI path).
    ...(options.bridge
      ? {
          dashboardBridge: (host: BridgeHost) =>
            (bridge = new BridgeService(host, {
              persist: (_next, changed) => updateSettingsFile(dataDir, changed),
              limitsIntervalMs: 500,
            })),
        }
      : {}),
  });
  await proxy.init();
  const { port } = await proxy.start();
  dataDirs.set(`http://127.0.0.1:${port}`, dataDir);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proxy,
    dataDir,
    pidDir,
    release: (pid) => writeFile(path.join(gateDir, pid === undefined ? 'all' : String(pid)), ''),
    bridge,
    currentUrl: () => proxy.url ?? `http://127.0.0.1:${port}`,
    async close() {
      bridge?.close();
      await proxy.shutdown();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Where each test proxy keeps its data, by the URL it started on: the owner reads the dashboard secret there. */
const dataDirs = new Map<string, string>();

/** The dashboard URL with its token, as the owner gets it (from the secret file in the proxy's data directory). */
export async function dashboardLink(url: string, dataDir = dataDirs.get(url)): Promise<string> {
  if (!dataDir) throw new Error(`no test proxy started at ${url}`);
  const secret = (await readFile(path.join(dataDir, 'dashboard-secret'), 'utf8')).trim();
  return `${url}/dashboard/#token=${secret}`;
}

/**
 * Trades the token as the page does; answers the headers every dashboard API call needs: the session
 * cookie and the page key (which the page keeps in localStorage, out of reach of other ports).
 */
export async function dashboardAuth(
  url: string,
  dataDir = dataDirs.get(url),
  headers: Record<string, string> = {},
): Promise<{ cookie: string; 'x-dashboard-key': string }> {
  const token = new URL(await dashboardLink(url, dataDir)).hash.replace('#token=', '');
  const response = await postJson(`${url}/dashboard/api/session`, { token }, headers);
  const cookie = response.headers.get('set-cookie');
  const text = await response.text();
  if (response.status !== 200 || !cookie) throw new Error(`the token trade failed: ${response.status} ${text}`);
  const { pageKey } = JSON.parse(text) as { pageKey?: string };
  if (!pageKey) throw new Error(`the token trade answered no page key: ${text}`);
  return { cookie: cookie.split(';')[0]!, 'x-dashboard-key': pageKey };
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

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `pid` is gone (signal 0 fails). */
export function waitForExit(pid: number, timeoutMs = DEFAULT_DEADLINE_MS): Promise<true> {
  return waitFor(
    () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    },
    { timeoutMs, message: `process ${pid} did not exit` },
  );
}

/**
 * How long a wait may take before it fails. Generous on purpose: it is only reached when something
 * is wrong, and on a loaded machine a child's start or exit can take seconds.
 */
export const DEFAULT_DEADLINE_MS = 20_000;

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What was awaited, for the error at the deadline. */
  message?: string;
}

/**
 * Polls `probe` until it returns something other than undefined or false, and returns that. At the
 * deadline it throws, naming what was awaited: tests wait for the state they need, never a fixed time.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions | number = {},
  interval?: number,
): Promise<T> {
  const {
    timeoutMs = DEFAULT_DEADLINE_MS,
    intervalMs = interval ?? 25,
    message = 'condition',
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms, in vain: ${message}`);
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

// ---------------------------------------------------------------- raw HTTP, OS processes and memory (fuzz, load, soak)

/** A CLI that costs one `sh` per turn (no Node start-up), for load and soak; it answers ECHO:<text> with <text>. */
export const CANNED_CLI = fileURLToPath(new URL('../fixtures/canned-claude.sh', import.meta.url));

export interface RawResponse {
  status: number;
  headers: Record<string, string[]>;
  body: Buffer;
}

export interface RawExchange {
  /** Undefined when the server closed without a parseable answer (or the client cut the request). */
  response: RawResponse | undefined;
  error: string | undefined;
  timedOut: boolean;
}

export interface RawOptions {
  /** Write only this many body bytes, then destroy the socket: a client that died mid-upload. */
  cutAt?: number;
  timeoutMs?: number;
  localAddress?: string;
}

/**
 * One request written byte for byte on a fresh loopback socket: request line, header lines and
 * body exactly as given, so odd framing, duplicate or missing headers and invalid UTF-8 go out
 * unchanged (fetch and http.request would normalise them). Send `Connection: close`: the answer
 * is whatever arrives until the server closes the socket.
 */
export function rawRequest(
  port: number,
  head: readonly string[],
  body: Buffer | string = '',
  options: RawOptions = {},
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let timedOut = false;
    const socket = net.connect({ port, host: '127.0.0.1', ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response: parseRawResponse(Buffer.concat(chunks)), error, timedOut });
    });
    socket.on('connect', () => {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const payload = Buffer.concat([
        Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'),
        options.cutAt === undefined ? bytes : bytes.subarray(0, options.cutAt),
      ]);
      // Cut once the partial body is handed to the kernel: the server reads it, then the end of the connection.
      socket.write(payload, () => {
        if (options.cutAt !== undefined) socket.destroy();
      });
    });
  });
}

/** The final response in `raw` (1xx interim answers skipped), its chunked body decoded. */
export function parseRawResponse(raw: Buffer): RawResponse | undefined {
  let rest = raw;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine = '', ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!match) return undefined;
    const status = Number(match[1]);
    const headers: Record<string, string[]> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      (headers[line.slice(0, colon).trim().toLowerCase()] ??= []).push(line.slice(colon + 1).trim());
    }
    rest = rest.subarray(end + 4);
    if (status < 200) continue;
    const length = headers['content-length']?.[0];
    const body =
      headers['transfer-encoding']?.[0] === 'chunked' ? dechunk(rest) : length !== undefined ? rest.subarray(0, Number(length)) : rest;
    return { status, headers, body };
  }
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; ;) {
    const eol = data.indexOf('\r\n', at);
    const size = eol < 0 ? 0 : parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** The environment variable `tagEnv` puts on every CLI child (and their children, which inherit it). */
export const PROCESS_TAG_VAR = 'CCP_TEST_PROCESS_TAG';

export function tagEnv(tag: string): NodeJS.ProcessEnv {
  return { [PROCESS_TAG_VAR]: tag };
}

/**
 * Live processes (zombies excluded) carrying the tag in their environment, found through /proc
 * (Linux). Unlike the fake CLI's pid files this works for any CLI, and it also finds grandchildren
 * and orphans re-parented to init, which a count of our own children would miss.
 */
export async function taggedProcesses(tag: string): Promise<number[]> {
  return (await scanTagged(tag)).map((process) => process.pid);
}

/** Distinct process groups among the tagged processes: one per CLI child, which leads its own group. */
export async function taggedProcessGroups(tag: string): Promise<number[]> {
  return [...new Set((await scanTagged(tag)).map((process) => process.pgid))];
}

async function scanTagged(tag: string): Promise<{ pid: number; pgid: number }[]> {
  const marker = `${PROCESS_TAG_VAR}=${tag}\0`;
  const pids = (await readProcDir()).filter((name) => /^\d+$/.test(name));
  const found = await Promise.all(
    pids.map(async (pid) => {
      try {
        const environ = await readFile(`/proc/${pid}/environ`, 'latin1');
        if (!environ.includes(marker)) return undefined;
        // After "(comm)": state, ppid, pgrp, …
        const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return state === 'Z' ? undefined : { pid: Number(pid), pgid: Number(pgrp) };
      } catch {
        return undefined; // gone meanwhile, or another user's
      }
    }),
  );
  return found.filter((process) => process !== undefined);
}

/**
 * The entries of /proc, or a loud failure where there is none: a check that counts processes must
 * never pass because it could not look.
 */
async function readProcDir(): Promise<string[]> {
  try {
    return await readdir('/proc');
  } catch (error) {
    throw new Error(
      `this check counts processes through /proc, which is not readable here (${(error as NodeJS.ErrnoException).code ?? String(error)}); it needs Linux`,
      { cause: error },
    );
  }
}

let collectGarbage: (() => void) | undefined | null = null;

/**
 * process.memoryUsage() after full collections, when one can be had: the test runner does not start
 * Node with --expose-gc, but setting the flag at run time exposes `gc` to contexts created afterwards.
 * Between collections the event loop turns once, so finalizers and closing handles can run. Without
 * `gc` the numbers are noisier, and callers compare generously.
 */
export async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  if (collectGarbage === null) {
    try {
      v8.setFlagsFromString('--expose-gc');
      collectGarbage = vm.runInNewContext('gc') as () => void;
    } catch {
      collectGarbage = undefined;
    }
  }
  for (let i = 0; i < 3; i++) {
    collectGarbage?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage();
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface HttpOptions {
  /** A keep-alive agent stands for one SDK client; none (the default) is a fresh connection. */
  agent?: http.Agent;
  /** Another loopback address (127.0.0.2…) is another client IP to the rate limiter. */
  localAddress?: string;
  headers?: Record<string, string>;
}

/** A plain node:http request to the proxy on 127.0.0.1 with a JSON body, read to the end. */
export function httpRequest(port: number, method: string, path: string, body?: unknown, options: HttpOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: options.agent ?? false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
