import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HIDDEN_ARG,
  loginItemOptions,
  loginItemSupport,
  openedAtLogin,
  readLaunchAtLogin,
  writeLaunchAtLogin,
  type LoginItemApp,
} from './launch-at-login.js';

/** A fake OS login-item store that, like Windows, only finds an item by the same path and args. */
function fakeApp(isPackaged: boolean, wasOpenedAtLogin = false) {
  const items = new Map<string, boolean>();
  const keyOf = (options?: { path?: string; args?: string[] }) => JSON.stringify([options?.path ?? 'default', options?.args ?? []]);
  const set: unknown[] = [];
  const app: LoginItemApp = {
    isPackaged,
    getAppPath: () => '/src/claude-code-proxy',
    getLoginItemSettings: (options) => ({ openAtLogin: items.get(keyOf(options)) ?? false, wasOpenedAtLogin }),
    setLoginItemSettings: (settings) => {
      set.push(settings);
      items.set(keyOf(settings), settings.openAtLogin);
    },
  };
  return { app, set };
}

describe('loginItemSupport', () => {
  it('is supported on macOS and Windows; Linux says why not', () => {
    assert.deepEqual(loginItemSupport('darwin'), { supported: true });
    assert.deepEqual(loginItemSupport('win32'), { supported: true });
    const linux = loginItemSupport('linux');
    assert.equal(linux.supported, false);
    assert.match(linux.supported ? '' : linux.reason, /Linux.*autostart/);
  });
});

describe('readLaunchAtLogin / writeLaunchAtLogin', () => {
  it('round-trips through the OS on macOS', () => {
    const { app, set } = fakeApp(true);
    assert.deepEqual(readLaunchAtLogin(app, 'darwin', '/Applications/X.app/Contents/MacOS/X'), { supported: true, enabled: false });
    assert.deepEqual(writeLaunchAtLogin(app, 'darwin', '/x', true), { supported: true, enabled: true });
    assert.deepEqual(set, [{ openAtLogin: true }]);
  });

  it('registers a command line that starts this app hidden on Windows, packaged or from source', () => {
    const packaged = fakeApp(true);
    assert.deepEqual(loginItemOptions('win32', packaged.app, 'C:\\X\\Claude Code Proxy.exe'), {
      path: 'C:\\X\\Claude Code Proxy.exe',
      args: [HIDDEN_ARG],
    });
    assert.deepEqual(writeLaunchAtLogin(packaged.app, 'win32', 'C:\\X\\Claude Code Proxy.exe', true), { supported: true, enabled: true });
    const source = fakeApp(false);
    assert.deepEqual(loginItemOptions('win32', source.app, 'C:\\n\\electron.exe').args, ['/src/claude-code-proxy', HIDDEN_ARG]);
    writeLaunchAtLogin(source.app, 'win32', 'C:\\n\\electron.exe', true);
    assert.deepEqual(readLaunchAtLogin(source.app, 'win32', 'C:\\n\\electron.exe'), { supported: true, enabled: true });
    writeLaunchAtLogin(source.app, 'win32', 'C:\\n\\electron.exe', false);
    assert.deepEqual(readLaunchAtLogin(source.app, 'win32', 'C:\\n\\electron.exe'), { supported: true, enabled: false });
  });

  it('never touches the OS on Linux', () => {
    const { app, set } = fakeApp(true);
    const state = writeLaunchAtLogin(app, 'linux', '/opt/x', true);
    assert.equal(state.supported, false);
    assert.equal(state.enabled, false);
    assert.deepEqual(set, []);
  });
});

describe('openedAtLogin', () => {
  it('starts hidden when Windows passed our argument or macOS says so', () => {
    assert.equal(openedAtLogin(['x.exe', HIDDEN_ARG], 'win32', fakeApp(true).app), true);
    assert.equal(openedAtLogin(['x.exe'], 'win32', fakeApp(true).app), false);
    assert.equal(openedAtLogin(['X'], 'darwin', fakeApp(true, true).app), true);
    assert.equal(openedAtLogin(['X'], 'darwin', fakeApp(true, false).app), false);
    assert.equal(openedAtLogin(['x'], 'linux', fakeApp(true, true).app), false);
  });
});
