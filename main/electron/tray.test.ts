import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { darkBarFor, TrayController, type TrayLike, type TraySurface } from './tray.js';
import type { MenuItemDescriptor, TrayActions, TraySnapshot } from './tray-menu.js';

const running: TraySnapshot = { running: true, url: 'http://127.0.0.1:8000', host: '127.0.0.1', port: 8000, error: null, health: null };
const stopped: TraySnapshot = { ...running, running: false, url: null };
const login = { supported: true as const, enabled: false };

function fakeSurface(platform: NodeJS.Platform, dark = { value: false }) {
  const log: string[] = [];
  const clicks: Array<() => void> = [];
  const menus: MenuItemDescriptor[][] = [];
  const tray: TrayLike = {
    setImage: (icon) => log.push(`image ${path.basename(icon)}`),
    setToolTip: (text) => log.push(`tooltip ${text}`),
    setContextMenu: () => log.push('menu'),
    on: (_event, listener) => clicks.push(listener),
    destroy: () => log.push('destroy'),
  };
  const surface: TraySurface = {
    platform,
    iconDir: '/app/assets/tray',
    createTray: (icon) => {
      log.push(`create ${icon}`);
      return tray;
    },
    buildMenu: (template) => {
      menus.push(template);
      return { template };
    },
    darkBar: () => dark.value,
  };
  return { surface, log, clicks, menus, dark };
}

const actions = (calls: string[]): TrayActions => ({
  start: () => calls.push('start'),
  stop: () => calls.push('stop'),
  copyAddress: () => calls.push('copy'),
  openWindow: () => calls.push('open'),
  openLogs: () => calls.push('logs'),
  setLaunchAtLogin: () => calls.push('login'),
  quit: () => calls.push('quit'),
});

describe('TrayController', () => {
  it('creates the tray with the state icon, tooltip and menu', () => {
    const fake = fakeSurface('linux');
    new TrayController(fake.surface, actions([]), { snapshot: running, launchAtLogin: login });
    assert.deepEqual(fake.log, [
      'create /app/assets/tray/tray-running-light.png',
      'tooltip Claude Code Proxy: Running on port 8000',
      'menu',
    ]);
    assert.equal(fake.menus[0]?.find((item) => item.id === 'toggle')?.label, 'Stop proxy');
  });

  it('swaps icon and menu when the state changes, and does nothing when it does not', () => {
    const fake = fakeSurface('darwin');
    const tray = new TrayController(fake.surface, actions([]), { snapshot: running, launchAtLogin: login });
    fake.log.length = 0;
    tray.update({ snapshot: { ...running }, launchAtLogin: { ...login } });
    assert.deepEqual(fake.log, []);
    tray.update({ snapshot: stopped, launchAtLogin: login });
    assert.deepEqual(fake.log, ['image trayStoppedTemplate.png', 'tooltip Claude Code Proxy: Stopped', 'menu']);
    assert.equal(fake.menus.at(-1)?.find((item) => item.id === 'toggle')?.label, 'Start proxy');
  });

  it('follows the bar between light and dark', () => {
    const fake = fakeSurface('win32');
    const tray = new TrayController(fake.surface, actions([]), { snapshot: running, launchAtLogin: login });
    fake.log.length = 0;
    fake.dark.value = true;
    tray.themeChanged();
    assert.equal(fake.log[0], 'image tray-running-dark.png');
  });

  it('opens the window on a left click on Windows only', () => {
    const calls: string[] = [];
    const win = fakeSurface('win32');
    new TrayController(win.surface, actions(calls), { snapshot: running, launchAtLogin: login });
    win.clicks.forEach((click) => click());
    assert.deepEqual(calls, ['open']);
    const mac = fakeSurface('darwin');
    new TrayController(mac.surface, actions(calls), { snapshot: running, launchAtLogin: login });
    assert.equal(mac.clicks.length, 0);
  });
});

describe('darkBarFor', () => {
  it('reads the taskbar theme on Windows, the system theme on macOS', () => {
    assert.equal(darkBarFor('win32', { shouldUseDarkColors: false, shouldUseDarkColorsForSystemIntegratedUI: true }), true);
    assert.equal(darkBarFor('win32', { shouldUseDarkColors: true, shouldUseDarkColorsForSystemIntegratedUI: false }), false);
    assert.equal(darkBarFor('darwin', { shouldUseDarkColors: true }), true);
  });

  it('treats GNOME’s top bar as dark whatever the theme', () => {
    assert.equal(darkBarFor('linux', { shouldUseDarkColors: false }, 'ubuntu:GNOME'), true);
    assert.equal(darkBarFor('linux', { shouldUseDarkColors: false }, 'KDE'), false);
    assert.equal(darkBarFor('linux', { shouldUseDarkColors: true }, 'KDE'), true);
  });
});
