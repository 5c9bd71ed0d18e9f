/**
 * `npm run bench`: figures, not pass/fail. Everything runs side by side in one
 * process, interleaved (direct, proxy, pooled proxy, then again), so a slow
 * moment of the machine hits all three alike. Loopback only; it stops by itself.
 *
 * - Time to first token and total time: the proxy (fresh spawn, and with the
 *   warm pool) against spawning the same CLI directly, for the real CLI
 *   (pointed at a loopback mock of the Messages API) and the fake CLI, both
 *   APIs, streaming and not.
 * - The proxy's added overhead per request (fresh proxy minus direct, medians).
 * - An agent's request (40 earlier messages with tool calls and results, 3
 *   tools) through the pooled proxy, replayed as real turns, against a fresh
 *   direct spawn with a one-line prompt: first token, real CLI.
 * - Requests per second at concurrency 1, 4 and 16 with the fake CLI.
 * - The proxy's own RSS idle and under load (CLI children not included).
 * - The headless server started as its own process: time to its first 200
 *   on /health and its idle RSS, compiled (as `npm run serve` runs it) and
 *   under the tsx loader (as it used to run). Needs the build (`npm run bench` builds first).
 *
 * BENCH_ITERATIONS (default 8) sets the samples per cell; results are also
 * written to .bench/results.json (`BENCH_ONLY=agent` runs the agent section alone, written nowhere).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../core/logger.js';
import { ProxyService } from '../core/proxy.js';
import { defaultSettings, type Settings } from '../core/settings.js';
import { startMockAnthropicApi } from '../test/fixtures/mock-anthropic-api.js';
import { realCliEnv, realCliPath } from '../test/fixtures/real-cli.js';
import { FAKE_CLI } from '../test/helpers/test-proxy.js';
import { agentConversation, CONVERSATION_ROUNDS } from './conversation.js';
import { directSpawn, throughProxy, timedPost, type Timing } from './measure.js';
import { measureStartup, type StartMode, type StartupSample } from './startup.js';
import { fmt, ratio, summarize, type Summary } from './stats.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 8);
/** `BENCH_ONLY=agent` runs only the agent-conversation section. */
const ONLY = process.env.BENCH_ONLY;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CliUnderTest {
  name: 'real' | 'fake';
  path: string;
  env: NodeJS.ProcessEnv;
  model: string;
  /** Lets a just-spawned warm process finish starting before the next sample, so it does not steal CPU from it. */
  settleMs: number;
}

async function startProxy(dataDir: string, cli: CliUnderTest, pool: boolean, overrides: Partial<Settings> = {}) {
  const base = defaultSettings();
  const settings: Settings = {
    ...base,
    ...overrides,
    port: 0,
    cliPath: cli.path,
    rateLimit: { ...base.rateLimit, requestsPerMinute: 1_000_000, burst: 1_000_000 },
    pool: { ...base.pool, enabled: pool },
  };
  const proxy = new ProxyService({ settings, dataDir, logger: silentLogger, version: 'bench', env: { ...process.env, ...cli.env } });
  const { url } = await proxy.start();
  return { proxy, url };
}

async function poolReady(proxy: ProxyService, settleMs: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (proxy.stats().pool.warm < 1 && Date.now() < deadline) await sleep(10);
  await sleep(settleMs);
}

type Cell = { direct: Timing[]; fresh: Timing[]; pooled: Timing[] };

async function latency(cli: CliUnderTest, dataDir: string) {
  const fresh = await startProxy(path.join(dataDir, `${cli.name}-fresh`), cli, false);
  const pooled = await startProxy(path.join(dataDir, `${cli.name}-pooled`), cli, true);
  const cwd = path.join(dataDir, 'direct-cwd');
  await mkdir(cwd, { recursive: true });
  const env = { ...process.env, ...cli.env };
  const cells: Record<string, Cell> = {};
  try {
    for (const api of ['anthropic', 'openai'] as const) {
      for (const stream of [true, false]) {
        const cell: Cell = { direct: [], fresh: [], pooled: [] };
        const prompt = 'ECHO:The quick brown fox jumps over the lazy dog';
        // Warm-up: file caches, JIT, and the pool learning this launch key.
        await directSpawn(cli.path, cwd, env, prompt, cli.model);
        await throughProxy(fresh.url, api, stream, prompt, cli.model);
        await throughProxy(pooled.url, api, stream, prompt, cli.model);
        await poolReady(pooled.proxy, cli.settleMs);
        for (let i = 0; i < ITERATIONS; i++) {
          const order = i % 2 === 0 ? (['direct', 'fresh', 'pooled'] as const) : (['pooled', 'fresh', 'direct'] as const);
          for (const which of order) {
            if (which === 'direct') cell.direct.push(await directSpawn(cli.path, cwd, env, prompt, cli.model));
            if (which === 'fresh') cell.fresh.push(await throughProxy(fresh.url, api, stream, prompt, cli.model));
            if (which === 'pooled') {
              cell.pooled.push(await throughProxy(pooled.url, api, stream, prompt, cli.model));
              await poolReady(pooled.proxy, cli.settleMs);
            }
          }
        }
        cells[`${api} ${stream ? 'stream' : 'whole'}`] = cell;
      }
    }
  } finally {
    await fresh.proxy.shutdown();
    await pooled.proxy.shutdown();
  }
  return cells;
}

async function conversation(cli: CliUnderTest, dataDir: string) {
  const pooled = await startProxy(path.join(dataDir, `${cli.name}-agent`), cli, true);
  const cwd = path.join(dataDir, 'direct-cwd');
  await mkdir(cwd, { recursive: true });
  const env = { ...process.env, ...cli.env };
  const body = agentConversation(cli.model);
  const prompt = 'ECHO:The quick brown fox jumps over the lazy dog';
  const cell = { direct: [] as Timing[], agent: [] as Timing[] };
  try {
    await directSpawn(cli.path, cwd, env, prompt, cli.model);
    await timedPost(`${pooled.url}/v1/messages`, body, true);
    await poolReady(pooled.proxy, cli.settleMs);
    for (let i = 0; i < ITERATIONS; i++) {
      for (const which of i % 2 === 0 ? (['direct', 'agent'] as const) : (['agent', 'direct'] as const)) {
        if (which === 'direct') cell.direct.push(await directSpawn(cli.path, cwd, env, prompt, cli.model));
        else {
          cell.agent.push(await timedPost(`${pooled.url}/v1/messages`, body, true));
          await poolReady(pooled.proxy, cli.settleMs);
        }
      }
    }
  } finally {
    await pooled.proxy.shutdown();
  }
  const direct = summarize(cell.direct.map((t) => t.ttftMs));
  const agent = summarize(cell.agent.map((t) => t.ttftMs));
  return { direct, agent, ratio: agent.median / direct.median };
}

async function throughput(cli: CliUnderTest, dataDir: string) {
  const { proxy, url } = await startProxy(path.join(dataDir, 'rps'), cli, true, {});
  const rssIdle = process.memoryUsage().rss;
  let rssPeak = rssIdle;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const results: { concurrency: number; requests: number; seconds: number; rps: number }[] = [];
  try {
    for (const concurrency of [1, 4, 16]) {
      const requests = Math.max(concurrency * 4, ITERATIONS * 5);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
          while (next < requests) {
            next++;
            await throughProxy(url, worker % 2 === 0 ? 'anthropic' : 'openai', worker % 3 === 0, `ECHO:request ${next}`, cli.model);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      results.push({ concurrency, requests, seconds, rps: requests / seconds });
    }
  } finally {
    clearInterval(sampler);
    await proxy.shutdown();
  }
  return { results, rssIdleMb: rssIdle / 2 ** 20, rssPeakMb: rssPeak / 2 ** 20 };
}

async function startup(cliPath: string) {
  const samples: Record<StartMode, StartupSample[]> = { compiled: [], tsx: [] };
  // Interleaved, like the latency cells, so a slow moment of the machine hits both alike.
  for (let i = 0; i < Math.max(3, Math.ceil(ITERATIONS / 2)); i++) {
    for (const mode of i % 2 === 0 ? (['compiled', 'tsx'] as const) : (['tsx', 'compiled'] as const))
      samples[mode].push(await measureStartup(mode, cliPath));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([mode, list]) => [
      mode,
      { ready: summarize(list.map((s) => s.readyMs)), idleRssMb: summarize(list.map((s) => s.idleRssMb)) },
    ]),
  ) as Record<StartMode, { ready: Summary; idleRssMb: Summary }>;
}

function row(label: string, s: Summary): string {
  return `${label.padEnd(8)} median ${fmt(s.median).padStart(8)}  p10 ${fmt(s.p10).padStart(8)}  p90 ${fmt(s.p90).padStart(8)}`;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-bench-'));
  const mock = await startMockAnthropicApi();
  const home = path.join(dataDir, 'home');
  await mkdir(home);
  const clis: CliUnderTest[] = [
    { name: 'fake', path: FAKE_CLI, env: {}, model: 'sonnet', settleMs: 100 },
    { name: 'real', path: realCliPath, env: realCliEnv(mock.url, home), model: 'claude-sonnet-4-5', settleMs: 1_000 },
  ];
  const report: Record<string, unknown> = { date: new Date().toISOString(), iterations: ITERATIONS, node: process.version, latency: {} };
  try {
    for (const cli of ONLY === 'agent' ? [] : clis) {
      console.log(`\n== ${cli.name} CLI: time to first token / total (${ITERATIONS} samples each, interleaved)`);
      const cells = await latency(cli, dataDir);
      const out: Record<string, unknown> = {};
      for (const [name, cell] of Object.entries(cells)) {
        // A non-streaming client has its first token when it has the whole answer: compare like with like.
        const whole = name.endsWith('whole');
        const s = {
          direct: {
            ttft: summarize(cell.direct.map((t) => (whole ? t.totalMs : t.ttftMs))),
            total: summarize(cell.direct.map((t) => t.totalMs)),
          },
          fresh: { ttft: summarize(cell.fresh.map((t) => t.ttftMs)), total: summarize(cell.fresh.map((t) => t.totalMs)) },
          pooled: { ttft: summarize(cell.pooled.map((t) => t.ttftMs)), total: summarize(cell.pooled.map((t) => t.totalMs)) },
        };
        const ratios = {
          pooledTtftOverDirect: s.pooled.ttft.median / s.direct.ttft.median,
          freshTtftOverDirect: s.fresh.ttft.median / s.direct.ttft.median,
          overheadMs: s.fresh.total.median - s.direct.total.median,
        };
        out[name] = { ...s, ratios };
        console.log(`-- ${name} (${whole ? 'whole answer' : 'first token'})`);
        console.log(`  ${row('direct', s.direct.ttft)}`);
        console.log(`  ${row('proxy', s.fresh.ttft)}   ratio ${ratio(s.fresh.ttft.median, s.direct.ttft.median)}`);
        console.log(`  ${row('pooled', s.pooled.ttft)}   ratio ${ratio(s.pooled.ttft.median, s.direct.ttft.median)}  (goal ≤ 0.40)`);
        console.log(
          `  total: direct ${fmt(s.direct.total.median)}, proxy ${fmt(s.fresh.total.median)}, pooled ${fmt(s.pooled.total.median)}; proxy overhead ${fmt(ratios.overheadMs)}`,
        );
      }
      (report.latency as Record<string, unknown>)[cli.name] = out;
    }
    console.log(`\n== real CLI: an agent's request (${CONVERSATION_ROUNDS * 4} earlier messages with tool calls, 3 tools), first token`);
    const agent = await conversation(clis[1]!, dataDir);
    console.log(`  ${row('direct', agent.direct)}   (fresh spawn, one-line prompt)`);
    console.log(`  ${row('agent', agent.agent)}   ratio ${ratio(agent.agent.median, agent.direct.median)}  (pooled proxy; goal ≤ 0.80)`);
    report.agentConversation = agent;
    if (ONLY === 'agent') return;
    console.log('\n== throughput with the fake CLI (pool on, cap 4, queue 64)');
    const tp = await throughput(clis[0]!, dataDir);
    for (const r of tp.results)
      console.log(
        `  concurrency ${String(r.concurrency).padStart(2)}: ${r.rps.toFixed(1)} req/s (${r.requests} requests in ${r.seconds.toFixed(2)} s)`,
      );
    console.log(
      `  proxy RSS: idle ${tp.rssIdleMb.toFixed(0)} MB, peak under load ${tp.rssPeakMb.toFixed(0)} MB (CLI children not included)`,
    );
    report.throughput = tp;
    console.log('\n== the headless server as its own process: spawn to first 200 on /health, then idle RSS');
    const start = await startup(FAKE_CLI);
    for (const [mode, s] of Object.entries(start)) {
      console.log(
        `  ${row(mode, s.ready)}   idle RSS ${s.idleRssMb.median.toFixed(0)} MB (p10 ${s.idleRssMb.p10.toFixed(0)}, p90 ${s.idleRssMb.p90.toFixed(0)})`,
      );
    }
    report.startup = start;
    await mkdir('.bench', { recursive: true });
    await writeFile(path.join('.bench', 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log('\nwritten to .bench/results.json');
  } finally {
    await mock.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
