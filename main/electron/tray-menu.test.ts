import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LaunchAtLoginState } from './launch-at-login.js';
import {
  trayIconFor,
  trayKey,
  trayMenuTemplate,
  trayStatus,
  trayTooltip,
  type MenuItemDescriptor,
  type TrayActions,
  type TraySnapshot,
} from './tray-menu.js';

const healthy = { status: 'healthy' as const, cli: { problem: null } };
const running: TraySnapshot = { running: true, url: 'http://127.0.0.1:8000', host: '127.0.0.1', port: 8000, error: null, health: healthy };
const stopped: TraySnapshot = { running: false, url: null, host: '127.0.0.1', port: 8000, error: null, health: healthy };
const portInUse: TraySnapshot = {
  ...stopped,
  port: 8080,
  error: { code: 'PORT_IN_USE', message: 'Port 8080 on 127.0.0.1 is already in use by another program' },
};
const noCli: TraySnapshot = { ...running, health: { status: 'unavailable', cli: { problem: 'Claude CLI not found' } } };
const loginOn: LaunchAtLoginState = { supported: true, enabled: true };
const loginLinux: LaunchAtLoginState = { supported: false, enabled: false, reason: 'not on Linux' };

function recorder() {
  const calls: string[] = [];
  const actions: TrayActions = {
    start: () => calls.push('start'),
    stop: () => calls.push('stop'),
    copyAddress: (address) => calls.push(`copy ${address}`),
    openWindow: () => calls.push('open'),
    openLogs: () => calls.push('logs'),
    setLaunchAtLogin: (enabled) => calls.push(`login ${enabled}`),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

const byId = (items: MenuItemDescriptor[], id: string) => {
  const item = items.find((entry) => entry.id === id);
  assert.ok(item, `menu has ${id}`);
  return item;
};

describe('trayStatus', () => {
  it('is running, stopped or error from the snapshot', () => {
    assert.equal(trayStatus(running), 'running');
    assert.equal(trayStatus(stopped), 'stopped');
    assert.equal(trayStatus(portInUse), 'error');
    // Listening but every request would be a 503: shown as an error.
    assert.equal(trayStatus(noCli), 'error');
    // A failed port change leaves it serving on the old port: still running.
    assert.equal(trayStatus({ ...running, error: portInUse.error }), 'running');
  });
});

describe('trayMenuTemplate', () => {
  it('running: Stop, a copyable address, and the fixed items in order', () => {
    const { calls, actions } = recorder();
    const items = trayMenuTemplate({ snapshot: running, launchAtLogin: loginOn }, actions);
    assert.deepEqual(
      items.map((item) => (item.type === 'separator' ? '---' : item.label)),
      [
        'Running on port 8000',
        '---',
        'Stop proxy',
        'Copy http://127.0.0.1:8000',
        '---',
        'Open window',
        'Open logs folder',
        'Launch at login',
        '---',
        'Quit',
      ],
    );
    assert.equal(byId(items, 'status').enabled, false);
    assert.equal(byId(items, 'address').enabled, true);
    for (const id of ['toggle', 'address', 'open', 'logs', 'login', 'quit']) byId(items, id).click?.();
    assert.deepEqual(calls, ['stop', 'copy http://127.0.0.1:8000', 'open', 'logs', 'login false', 'quit']);
  });

  it('stopped: Start, and the address greyed out', () => {
    const { calls, actions } = recorder();
    const items = trayMenuTemplate({ snapshot: stopped, launchAtLogin: loginOn }, actions);
    assert.equal(byId(items, 'status').label, 'Stopped');
    assert.equal(byId(items, 'toggle').label, 'Start proxy');
    assert.equal(byId(items, 'address').label, 'Copy http://127.0.0.1:8000');
    assert.equal(byId(items, 'address').enabled, false);
    byId(items, 'toggle').click?.();
    assert.deepEqual(calls, ['start']);
  });

  it('error: says what went wrong, offers Start again', () => {
    const { actions } = recorder();
    const items = trayMenuTemplate({ snapshot: portInUse, launchAtLogin: loginOn }, actions);
    assert.equal(byId(items, 'status').label, 'Stopped: Port 8080 on 127.0.0.1 is already in use by another program');
    assert.equal(byId(items, 'toggle').label, 'Start proxy');
    assert.equal(byId(items, 'address').label, 'Copy http://127.0.0.1:8080');
  });

  it('running without a CLI: says so', () => {
    const { actions } = recorder();
    const items = trayMenuTemplate({ snapshot: noCli, launchAtLogin: loginOn }, actions);
    assert.equal(byId(items, 'status').label, 'Running, but the Claude CLI is unavailable');
    assert.equal(byId(items, 'toggle').label, 'Stop proxy');
  });

  it('launch at login is a checkbox showing the OS state, and disabled where unsupported', () => {
    const { calls, actions } = recorder();
    const off = byId(trayMenuTemplate({ snapshot: running, launchAtLogin: { supported: true, enabled: false } }, actions), 'login');
    assert.equal(off.type, 'checkbox');
    assert.equal(off.checked, false);
    off.click?.();
    assert.deepEqual(calls, ['login true']);
    const linux = byId(trayMenuTemplate({ snapshot: running, launchAtLogin: loginLinux }, actions), 'login');
    assert.equal(linux.enabled, false);
    assert.equal(linux.checked, false);
    assert.equal(linux.toolTip, 'not on Linux');
  });

  it('brackets an IPv6 host in the address', () => {
    const { actions } = recorder();
    const items = trayMenuTemplate({ snapshot: { ...stopped, host: '::1' }, launchAtLogin: loginOn }, actions);
    assert.equal(byId(items, 'address').label, 'Copy http://[::1]:8000');
  });

  it('keeps a long error readable in the menu', () => {
    const { actions } = recorder();
    const long = { ...portInUse, error: { code: 'UNKNOWN' as const, message: 'x'.repeat(300) } };
    const label = byId(trayMenuTemplate({ snapshot: long, launchAtLogin: loginOn }, actions), 'status').label ?? '';
    assert.equal(label.length, 80);
    assert.ok(label.endsWith('…'));
    assert.match(trayTooltip(long), /^Claude Code Proxy: Stopped: x+$/);
  });
});

describe('trayIconFor', () => {
  it('uses template images on macOS, whose shape carries the state', () => {
    assert.equal(trayIconFor('running', 'darwin', false), 'trayRunningTemplate.png');
    assert.equal(trayIconFor('stopped', 'darwin', true), 'trayStoppedTemplate.png');
    assert.equal(trayIconFor('error', 'darwin', false), 'trayErrorTemplate.png');
  });

  it('uses the colour variant for the bar elsewhere', () => {
    assert.equal(trayIconFor('running', 'win32', true), 'tray-running-dark.png');
    assert.equal(trayIconFor('stopped', 'win32', false), 'tray-stopped-light.png');
    assert.equal(trayIconFor('error', 'linux', true), 'tray-error-dark.png');
  });
});

describe('trayKey', () => {
  it('changes with what the tray shows, not with uptime or counters', () => {
    const a = trayKey({ snapshot: running, launchAtLogin: loginOn }, false);
    assert.equal(a, trayKey({ snapshot: { ...running, health: { ...healthy } }, launchAtLogin: loginOn }, false));
    assert.notEqual(a, trayKey({ snapshot: stopped, launchAtLogin: loginOn }, false));
    assert.notEqual(a, trayKey({ snapshot: running, launchAtLogin: { supported: true, enabled: false } }, false));
    assert.notEqual(a, trayKey({ snapshot: running, launchAtLogin: loginOn }, true));
  });
});
