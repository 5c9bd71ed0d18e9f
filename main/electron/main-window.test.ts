import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrowserWindowConstructorOptions } from 'electron';
import { createLogger } from '../core/logger.js';
import { openMainWindow, type WindowLike } from './main-window.js';
import { appPaths, unpacked } from './paths.js';

function fakeWindow(loadError?: Error) {
  const calls: string[] = [];
  const handlers = new Map<string, (...args: never[]) => void>();
  let minimized = false;
  const win: WindowLike & { options?: BrowserWindowConstructorOptions } = {
    on: (event: string, listener: (...args: never[]) => void) => handlers.set(event, listener),
    once: (event: string, listener: () => void) => handlers.set(event, listener),
    show: () => calls.push('show'),
    hide: () => calls.push('hide'),
    focus: () => calls.push('focus'),
    restore: () => ((minimized = false), calls.push('restore')),
    isMinimized: () => minimized,
    isDestroyed: () => false,
    loadURL: async (url: string) => {
      calls.push(`load ${url}`);
      if (loadError) throw loadError;
    },
    webContents: { on: (event: string, listener: (...args: never[]) => void) => handlers.set(`wc:${event}`, listener) },
  };
  const close = () => {
    let prevented = false;
    (handlers.get('close') as (event: { preventDefault(): void }) => void)({ preventDefault: () => (prevented = true) });
    return prevented;
  };
  return { win, calls, handlers, close, minimize: () => (minimized = true) };
}

function open(fake: ReturnType<typeof fakeWindow>, overrides: { startHidden?: boolean; quitting?: () => boolean } = {}) {
  const lines: string[] = [];
  const paths = appPaths('/app');
  const win: WindowLike & { options?: BrowserWindowConstructorOptions } = openMainWindow({
    create: (options) => Object.assign(fake.win, { options }),
    preload: paths.preload,
    pageUrl: 'app://renderer/index.html',
    dark: false,
    devTools: false,
    startHidden: overrides.startHidden ?? false,
    isQuitting: overrides.quitting ?? (() => false),
    log: createLogger((level, message) => lines.push(`${level} ${message}`)),
  });
  return { win, lines };
}

describe('openMainWindow', () => {
  it('creates the locked-down window with the preload and loads the renderer page', () => {
    const fake = fakeWindow();
    const { win } = open(fake);
    assert.equal(win.options?.webPreferences?.preload, '/app/dist/preload.cjs');
    assert.equal(win.options?.webPreferences?.sandbox, true);
    assert.equal(win.options?.show, false);
    assert.deepEqual(fake.calls, ['load app://renderer/index.html']);
  });

  it('shows itself when ready, unless started at login', () => {
    const shown = fakeWindow();
    open(shown);
    (shown.handlers.get('ready-to-show') as () => void)();
    assert.deepEqual(shown.calls.slice(1), ['show', 'focus']);
    const hidden = fakeWindow();
    open(hidden, { startHidden: true });
    assert.equal(hidden.handlers.has('ready-to-show'), false);
  });

  it('closing hides it to the tray; while quitting it really closes', () => {
    let quitting = false;
    const fake = fakeWindow();
    open(fake, { quitting: () => quitting });
    assert.equal(fake.close(), true);
    assert.equal(fake.calls.at(-1), 'hide');
    quitting = true;
    assert.equal(fake.close(), false);
  });

  it('logs a renderer that cannot load, saying how to build it', async () => {
    const fake = fakeWindow(new Error('ERR_FILE_NOT_FOUND'));
    const { lines } = open(fake);
    await new Promise((resolve) => setImmediate(resolve));
    assert.match(lines[0] ?? '', /^error Cannot load app:\/\/renderer\/index\.html \(was `npm run build` run\?\)/);
    (fake.handlers.get('wc:render-process-gone') as (event: unknown, details: { reason: string; exitCode: number }) => void)(
      {},
      { reason: 'crashed', exitCode: 1 },
    );
    assert.match(lines[1] ?? '', /renderer process ended/);
  });
});

describe('appPaths', () => {
  it('finds the preload and page in dist, and icons outside the asar', () => {
    const paths = appPaths('/opt/Claude Code Proxy/resources/app.asar');
    assert.equal(paths.preload, '/opt/Claude Code Proxy/resources/app.asar/dist/preload.cjs');
    assert.equal(paths.rendererDir, '/opt/Claude Code Proxy/resources/app.asar/dist/renderer');
    assert.equal(paths.trayIconDir, '/opt/Claude Code Proxy/resources/app.asar.unpacked/assets/tray');
    assert.equal(paths.windowIcon, '/opt/Claude Code Proxy/resources/app.asar.unpacked/assets/icons/256x256.png');
    assert.equal(appPaths('/src/proxy').trayIconDir, '/src/proxy/assets/tray');
    assert.equal(unpacked('C:\\P\\resources\\app.asar\\assets\\tray'), 'C:\\P\\resources\\app.asar.unpacked\\assets\\tray');
  });
});
