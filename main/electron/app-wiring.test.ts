import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/test-proxy.js';

/**
 * Runs the real desktop entry (app.ts) in Node, with 'electron' replaced by
 * testing/fake-electron.mjs: the composition, startup order, IPC, page
 * protocol, tray and the quit sequence are exercised together, against the
 * real core and the fake CLI. What only a real Electron can show (a window
 * drawn, a tray icon on screen) is e2e/electron-smoke.test.ts's job.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const FAKE_CLI = path.join(root, 'main', 'test', 'fixtures', 'fake-claude.mjs');

type Event = { event: string; [key: string]: unknown };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the desktop entry on a fake Electron', () => {
  let dataDir: string;
  let port: number;
  let events: Event[] = [];
  let logs: string[] = [];
  let exitCode: number | null = null;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-app-'));
    await mkdir(path.join(dataDir, 'pids'));
    port = await freePort();
    await writeFile(path.join(dataDir, 'settings.json'), JSON.stringify({ port, cliPath: FAKE_CLI }));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './main/electron/testing/register-fake-electron.mjs', 'main/electron/app.ts'],
      {
        cwd: root,
        env: { ...process.env, CLAUDE_PROXY_DATA_DIR: dataDir, FAKE_CLAUDE_PID_DIR: path.join(dataDir, 'pids'), XDG_CURRENT_DESKTOP: '' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    clearTimeout(timer);
    const lines = out.split('\n');
    events = lines.filter((line) => line.startsWith('FAKE ')).map((line) => JSON.parse(line.slice(5)) as Event);
    logs = lines.filter((line) => line.startsWith('LOG ')).map((line) => line.slice(4));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const find = (name: string) => {
    const found = events.find((event) => event.event === name);
    assert.ok(found, `${name} happened; saw ${events.map((event) => event.event).join(', ')}`);
    return found;
  };
  const order = (name: string) => events.findIndex((event) => event.event === name);

  it('registers the page scheme before ready, and serves the page with its CSP', () => {
    assert.equal(find('registerSchemesAsPrivileged').beforeReady, true);
    assert.ok(order('ready') < order('protocol.handle'));
    const page = find('protocol.page');
    // The page exists once `npm run build` has run; either way it never falls back to file://.
    assert.equal(page.status, existsSync(path.join(root, 'dist', 'renderer', 'index.html')) ? 200 : 404);
    if (page.status === 200) assert.match(String(page.csp), /script-src 'self'/);
    assert.equal(find('loadURL').url, 'app://renderer/index.html');
  });

  it('opens one locked-down window and shows it', () => {
    assert.deepEqual(find('window').webPreferences, {
      preload: path.join(root, 'dist', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: true,
    });
    assert.ok(order('show') > order('loadURL'));
    assert.deepEqual(find('navigation').opened, { action: 'deny' });
  });

  it('starts the proxy on the saved port and shows it in the tray', () => {
    assert.ok(logs.some((line) => line.startsWith(`info Claude Code Proxy `) && line.includes(`listening on http://127.0.0.1:${port}`)));
    // The fake theme is light, and no desktop is named (GNOME's always-dark bar would pick the dark variant).
    assert.equal(find('tray').icon, process.platform === 'darwin' ? 'trayRunningTemplate.png' : 'tray-running-light.png');
    const labels = find('tray.menu').labels as string[];
    assert.deepEqual(labels.slice(0, 4), [`Running on port ${port}`, '---', 'Stop proxy', `Copy http://127.0.0.1:${port}`]);
    assert.equal(labels.at(-1), 'Quit');
    assert.equal(find('health').status, 200);
    assert.deepEqual(find('request'), { event: 'request', status: 200, text: 'Hello from the fake CLI.' });
  });

  it('notifies once when the plan refuses a window', () => {
    assert.equal(find('limited').status, 429);
    const notices = events.filter((event) => event.event === 'notification');
    assert.deepEqual(notices, [
      {
        event: 'notification',
        title: 'Claude plan: 5-hour limit reached',
        body: 'Your Claude 5-hour limit is reached: requests are refused until it resets.',
      },
    ]);
  });

  it('answers our page over IPC and refuses anything else', () => {
    assert.deepEqual(find('ipc.trusted'), { event: 'ipc.trusted', ok: true, running: true, port, host_kind: 'electron' });
    assert.deepEqual(find('ipc.untrusted'), { event: 'ipc.untrusted', ok: false, error: 'UntrustedSenderError' });
    assert.deepEqual(find('ipc.badPayload'), { event: 'ipc.badPayload', ok: false, error: 'ZodError' });
    assert.deepEqual(find('ipc.channels').channels, [
      'limits:list',
      'proxy:getState',
      'proxy:setPort',
      'proxy:start',
      'proxy:stop',
      'requests:cancel',
      'requests:clear',
      'requests:list',
      'settings:get',
      'settings:update',
      'usage:totals',
    ]);
    assert.deepEqual(find('sent').channels, ['limits:changed', 'proxy:state', 'requests:added', 'requests:updated']);
  });

  it('saves a change from the settings panel to settings.json, and shows launch at login where the OS has it', async () => {
    const loginItems = process.platform === 'darwin' || process.platform === 'win32';
    assert.deepEqual(find('ipc.settings'), { event: 'ipc.settings', ok: true, burst: 3, launchAtLogin: loginItems ? false : null });
    const file = JSON.parse(await readFile(path.join(dataDir, 'settings.json'), 'utf8'));
    assert.equal(file.rateLimit.burst, 3);
    assert.equal(file.port, port, 'the desktop app saves its settings whole');
  });

  it('hides the window on close, and quits only after every CLI process has ended', async () => {
    const closes = events.filter((event) => event.event === 'close');
    assert.deepEqual(closes[0], { event: 'close', prevented: true }, 'closing the window hides it');
    assert.ok(order('hide') < order('quit'));
    const pids = find('cli.running').pids as number[];
    // At least the turn itself (a warm spare for the same model may be running too).
    assert.ok(pids.length >= 1, 'a CLI turn was running when Quit was clicked');
    const quits = events.filter((event) => event.event === 'quit');
    assert.deepEqual(quits, [
      { event: 'quit', prevented: true },
      { event: 'quit', prevented: false },
    ]);
    assert.ok(logs.includes('info Quitting: stopping the proxy and ending every Claude CLI process'));
    assert.ok(logs.some((line) => line.startsWith('info Stopped cleanly')));
    assert.equal(exitCode, 0);
    // Every fake CLI ever started is gone (one SIGKILLed after its grace period leaves its pid file behind).
    const started = [...pids, ...(await readdir(path.join(dataDir, 'pids'))).map(Number)];
    for (const pid of started) assert.equal(alive(pid), false, `CLI ${pid} ended`);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    assert.equal(refused, true, 'nothing listens after Quit');
  });
});
