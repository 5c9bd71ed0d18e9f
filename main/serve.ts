#!/usr/bin/env node
/**
 * Headless entry: `npm run serve -- --port N --host H --data-dir DIR --claude-path PATH`,
 * or the compiled `dist/main/serve.js` (the `claude-code-proxy` bin) under a process manager.
 * Runs the same core the desktop app hosts, with logs on stderr. SIGTERM, SIGINT and SIGHUP
 * stop it cleanly: no new requests, every CLI child ended, history written, exit code 0.
 */
import { parseArgs } from 'node:util';
import { BridgeService } from './core/bridge/bridge-service.js';
import { consoleLogger, type LogLevel } from './core/logger.js';
import { ProxyService } from './core/proxy.js';
import { ServerError } from './core/server-controller.js';
import { privateDirectory } from './core/dashboard-secret.js';
import { defaultDataDir, loadSettings, updateSettingsFile, type Settings } from './core/settings.js';
import { proxyVersion } from './core/version.js';
import { isLoopbackHost } from './core/http/security.js';
import { watchParent } from './parent-watch.js';

const USAGE = `Usage: claude-code-proxy [options]   (or: npm run serve -- [options])

  --port N            port to listen on (default 8000, or settings.json)
  --host H            address to bind (default 127.0.0.1)
  --data-dir DIR      settings and working files (default: the platform's app-data folder)
  --claude-path PATH  the claude CLI binary (default: CLAUDE_CLI_PATH, then PATH and the usual install places)
  --log-level L       debug | info | warn | error (default info)
  --exit-with-parent  stop when the process that started this one ends (npm run serve uses it)
  -h, --help          this help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'claude-path': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'exit-with-parent': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const logger = consoleLogger(values['log-level'] as LogLevel);
  let dataDir: string;
  try {
    // Before anything is read from it: whoever can write settings.json there chooses the program the proxy runs.
    dataDir = await privateDirectory(values['data-dir'] ?? process.env.CLAUDE_PROXY_DATA_DIR ?? defaultDataDir());
  } catch (error) {
    logger.error(`Not starting: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return;
  }
  const loaded = await loadSettings(dataDir);
  if (loaded.problem) logger.warn(`Settings: ${loaded.problem}`);
  const settings: Settings = {
    ...loaded.settings,
    ...(values.port !== undefined ? { port: parsePort(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  };
  const cliPath = values['claude-path'] ?? process.env.CLAUDE_CLI_PATH ?? settings.cliPath;
  if (cliPath) settings.cliPath = cliPath;
  if (!isLoopbackHost(settings.host)) {
    logger.warn(`Binding to ${settings.host}, which is not a loopback address: other machines can reach this proxy`);
  }

  let bridge: BridgeService | undefined;
  const proxy = new ProxyService({
    settings,
    dataDir,
    logger,
    version: proxyVersion(),
    // The window, in any browser on this machine: the same page and contract the desktop app uses.
    dashboardBridge: (host) =>
      (bridge = new BridgeService(host, { persist: (_settings, changed) => updateSettingsFile(dataDir, changed) })),
  });
  await proxy.init();
  try {
    const { url } = await proxy.start();
    logger.info(`Claude Code Proxy ${proxyVersion()} listening on ${url}`, { dataDir });
    logger.info(`Dashboard: ${proxy.dashboardLink(url)}`);
  } catch (error) {
    logger.error(error instanceof ServerError ? `${error.code}: ${error.message}` : String(error));
    bridge?.close();
    await proxy.shutdown();
    process.exitCode = 1;
    return;
  }
  void proxy.cliHealth().then((health) => {
    if (health.problem) logger.warn(health.problem);
    else logger.info(`Using Claude CLI ${health.version} at ${health.path}`);
  });

  let stopping = false;
  const shutdown = (reason: string) => {
    // A Ctrl-C reaches npm and this process both, and npm passes it on: the second is the same request.
    if (stopping) return;
    stopping = true;
    logger.info(`${reason}: stopping (ending CLI processes)`);
    bridge?.close();
    // A stuck disk or a CLI that ignores its signals must not keep the server from exiting; the watchdog ends any CLI left.
    setTimeout(() => {
      logger.error('Stopping took too long: exiting now');
      process.exit(1);
    }, settings.cli.killGraceMs + 10_000).unref();
    proxy.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  if (values['exit-with-parent']) watchParent(() => shutdown('The process that started the server ended'));
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(`--port: ${value} is not a port number (1–65535)\n`);
    process.exit(2);
  }
  return port;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
