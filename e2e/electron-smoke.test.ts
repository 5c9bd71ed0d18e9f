/**
 * Smoke test of the real desktop app: Playwright launches the built app with
 * Electron, from source (built first when it is not). It needs the
 * Electron binary, which `ELECTRON_SKIP_BINARY_DOWNLOAD=1` installs leave out,
 * and a display on Linux; without them it is skipped, and says which is missing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright';
import { freePort } from '../main/test/helpers/test-proxy.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const FAKE_CLI = path.join(root, 'main', 'test', 'fixtures', 'fake-claude.mjs');

/** The Electron executable, or why this machine cannot run the test. Never `require('electron')`: it would try to download. */
function electronExecutable(): { path: string } | { skip: string } {
  const electronDir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(electronDir)) return { skip: 'Electron is not installed (node_modules/electron is missing); run npm ci' };
  if (!existsSync(pathFile)) {
    return {
      skip:
        'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD): node_modules/electron/path.txt is missing. ' +
        'Install it where the network allows (npm ci without ELECTRON_SKIP_BINARY_DOWNLOAD, or node node_modules/electron/install.js)',
    };
  }
  const executable = path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(executable)) return { skip: `Electron binary not installed: ${path.relative(root, executable)} is missing` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { skip: 'No display: Electron needs one on Linux (run under xvfb-run, or set DISPLAY)' };
  }
  return { path: executable };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

const electron = electronExecutable();
let app: ElectronApplication | undefined;
let dataDir: string | undefined;

after(async () => {
  await app?.close().catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test(
  'the desktop app starts the proxy, shows its window and gives the page only the bridge',
  { skip: 'skip' in electron ? electron.skip : false, timeout: 90_000 },
  async () => {
    assert.ok('path' in electron);
    // Run from `npm test`, the app may not be built yet: build it (tsc, the page, the preload).
    if (
      !['dist/main/electron/app.js', 'dist/preload.cjs', 'dist/renderer/index.html'].every((built) => existsSync(path.join(root, built)))
    ) {
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    }
    dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-electron-'));
    const port = await freePort();
    await writeFile(path.join(dataDir, 'settings.json'), JSON.stringify({ port, cliPath: FAKE_CLI }));

    app = await _electron.launch({
      executablePath: electron.path,
      args: [root],
      cwd: root,
      env: { ...process.env, CLAUDE_PROXY_DATA_DIR: dataDir, ELECTRON_ENABLE_LOGGING: '1' },
      timeout: 30_000,
    });
    const page: Page = await app.firstWindow();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    // The page is served from our scheme, reached its state over IPC, and shows the proxy running.
    assert.equal(page.url(), 'app://renderer/index.html');
    await page.locator('#server-state', { hasText: 'Running' }).waitFor({ timeout: 20_000 });
    await page.locator('#health-status .card-text', { hasText: /Healthy|Degraded|Unavailable/ }).waitFor({ timeout: 20_000 });
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);

    // What the page can reach: the bridge, and nothing of Node or Electron.
    assert.deepEqual(
      await page.evaluate(
        '({ bridge: typeof window.claudeProxy, keys: Object.keys(window.claudeProxy).sort(), require: typeof require, process: typeof process, module: typeof module, Buffer: typeof Buffer })',
      ),
      { bridge: 'object', keys: ['invoke', 'on'], require: 'undefined', process: 'undefined', module: 'undefined', Buffer: 'undefined' },
    );
    const state = await page.evaluate<{ running: boolean; port: number; hostKind: string }>('window.claudeProxy.invoke("proxy:getState")');
    assert.deepEqual({ running: state.running, port: state.port, hostKind: state.hostKind }, { running: true, port, hostKind: 'electron' });
    assert.match(
      String(await page.evaluate('window.claudeProxy.invoke("nope:nope").then(() => "answered", (e) => String(e))')),
      /Unknown channel/,
    );
    assert.match(
      String(await page.evaluate('window.claudeProxy.invoke("proxy:setPort", { port: 0 }).then(() => "answered", (e) => String(e))')),
      /Error/,
    );
    assert.equal(await page.evaluate('window.open("https://example.com/") === null'), true);

    // The CSP header holds: an injected inline script does not run.
    assert.equal(
      await page.evaluate(
        `(() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.head.append(s); return window.__inline === undefined; })()`,
      ),
      true,
    );

    // Main's view agrees: one window, on our page. (Electron no longer reports a window's webPreferences;
    // the unit tests of window-options.ts pin them, and the checks above observe their effect.)
    assert.deepEqual(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.webContents.getURL())), [
      'app://renderer/index.html',
    ]);

    // A request through the proxy reaches the window's list by push events.
    const answer = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', max_tokens: 32, messages: [{ role: 'user', content: 'Hello' }] }),
    });
    const requestId = answer.headers.get('x-request-id');
    await answer.arrayBuffer();
    assert.ok(requestId);
    await page.locator(`#request-rows tr[data-id="${requestId}"]`).waitFor({ timeout: 20_000 });

    // Closing the window hides it to the tray: the proxy keeps serving.
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
    assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length), 1);
    assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);

    // Quit stops the proxy before the app exits.
    await app.close();
    app = undefined;
    assert.equal(await refused(port), true, 'nothing listens after Quit');
    assert.deepEqual(errors, []);
  },
);
