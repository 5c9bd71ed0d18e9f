// A stand-in for the 'electron' module, for app-wiring.test.ts: just enough of the API app.ts uses,
// recording each call as a JSON line on stdout ("FAKE {...}") and driving the app like a user would
// once its tray exists: a page calls over IPC, the window is closed, the tray's Quit is clicked.
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const report = (event, data = {}) => process.stdout.write(`FAKE ${JSON.stringify({ event, ...data })}\n`);
const paths = new Map();
let ready = false;

class FakeApp extends EventEmitter {
  isPackaged = false;
  setPath(name, value) {
    paths.set(name, value);
  }
  setAppLogsPath(value) {
    paths.set('logs', value ?? path.join(this.getPath('userData'), 'logs'));
  }
  getPath(name) {
    const value = paths.get(name);
    if (!value) throw new Error(`fake electron: no path for ${name}`);
    return value;
  }
  getAppPath() {
    return process.cwd();
  }
  requestSingleInstanceLock() {
    return true;
  }
  whenReady() {
    return new Promise((resolve) =>
      setImmediate(() => {
        ready = true;
        report('ready');
        resolve();
      }),
    );
  }
  getLoginItemSettings() {
    return { openAtLogin: false, wasOpenedAtLogin: false };
  }
  setLoginItemSettings(settings) {
    report('setLoginItemSettings', settings);
  }
  quit() {
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    report('quit', { prevented });
    if (prevented) return;
    for (const window of FakeBrowserWindow.windows) window.close();
    report('exit', { code: 0 });
    process.exit(0);
  }
  exit(code = 0) {
    report('exit', { code });
    process.exit(code);
  }
}

export const app = new FakeApp();

class FakeWebContents extends EventEmitter {
  url = '';
  destroyed = false;
  sent = [];
  send(channel) {
    this.sent.push(channel);
  }
  isDestroyed() {
    return this.destroyed;
  }
  setWindowOpenHandler(handler) {
    this.openHandler = handler;
  }
  getURL() {
    return this.url;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static windows = [];
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    FakeBrowserWindow.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
    report('window', {
      webPreferences: options.webPreferences,
      show: options.show,
      minWidth: options.minWidth,
      minHeight: options.minHeight,
    });
  }
  static getAllWindows() {
    return FakeBrowserWindow.windows;
  }
  async loadURL(url) {
    this.webContents.url = url;
    report('loadURL', { url });
    setImmediate(() => this.emit('ready-to-show'));
  }
  close() {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    report('close', { prevented });
  }
  show() {
    report('show');
  }
  hide() {
    report('hide');
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return false;
  }
}
export { FakeBrowserWindow as BrowserWindow };

const handlers = new Map();
export const ipcMain = {
  handle(channel, handler) {
    handlers.set(channel, handler);
  },
  removeHandler(channel) {
    handlers.delete(channel);
  },
};

let protocolHandler;
export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    report('registerSchemesAsPrivileged', { schemes, beforeReady: !ready });
  },
  handle(scheme, handler) {
    protocolHandler = handler;
    report('protocol.handle', { scheme });
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: () => report('setPermissionRequestHandler'),
    setPermissionCheckHandler: () => report('setPermissionCheckHandler'),
  },
};

export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: false });
export const clipboard = { writeText: (text) => report('clipboard', { text }) };
export const shell = {
  openExternal: async (url) => report('openExternal', { url }),
  openPath: async (target) => (report('openPath', { target }), ''),
};
export const Menu = { buildFromTemplate: (template) => ({ template }) };

export class Notification {
  static isSupported() {
    return true;
  }
  constructor(options) {
    this.options = options;
  }
  on() {}
  show() {
    report('notification', { title: this.options.title, body: this.options.body });
  }
}

export class Tray {
  constructor(icon) {
    report('tray', { icon: path.basename(icon) });
    setTimeout(() => void drive(this), 50);
  }
  setImage(icon) {
    report('tray.setImage', { icon: path.basename(icon) });
  }
  setToolTip(text) {
    this.toolTip = text;
    report('tray.tooltip', { text });
  }
  setContextMenu(menu) {
    this.menu = menu;
    report('tray.menu', { labels: menu.template.map((item) => item.label ?? '---') });
  }
  on() {}
  destroy() {}
}

/** What a user, a page and an API client would do once the app is up. */
async function drive(tray) {
  const page = FakeBrowserWindow.windows[0];
  const call = async (channel, url, payload) => {
    try {
      const result = await handlers.get(channel)({ senderFrame: { url } }, payload);
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error: error.name };
    }
  };
  const state = await call('proxy:getState', page.webContents.url);
  report('ipc.trusted', { ok: state.ok, running: state.result?.running, port: state.result?.port, host_kind: state.result?.hostKind });
  report('ipc.untrusted', await call('proxy:stop', 'https://evil.example/'));
  report('ipc.badPayload', await call('proxy:setPort', page.webContents.url, { port: 0 }));
  report('ipc.channels', { channels: [...handlers.keys()].sort() });
  const saved = await call('settings:update', page.webContents.url, { rateLimit: { burst: 3 } });
  report('ipc.settings', {
    ok: saved.ok && saved.result.ok,
    burst: saved.result?.settings?.rateLimit.burst,
    launchAtLogin: saved.result?.settings?.launchAtLogin,
  });
  const served = await protocolHandler(new Request(page.webContents.url));
  report('protocol.page', { status: served.status, csp: served.headers.get('content-security-policy') });
  report('navigation', { opened: page.webContents.openHandler({ url: 'javascript:alert(1)' }) });

  const base = state.result.url;
  const post = (body, signal) =>
    fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  report('health', { status: (await fetch(`${base}/health`)).status });
  const answer = await post({ model: 'sonnet', max_tokens: 32, messages: [{ role: 'user', content: 'Hello' }] });
  report('request', { status: answer.status, text: (await answer.json()).content?.[0]?.text });
  // The subscription's 5-hour limit: a refused window, which the desktop notifies once.
  const limited = await post({ model: 'claude-fake-limit', max_tokens: 32, messages: [{ role: 'user', content: 'Hello' }] });
  report('limited', { status: limited.status });
  // A turn that never ends, still running when Quit is clicked.
  void post({ model: 'claude-fake-hang', max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'Hello' }] })
    .then((response) => response.text())
    .catch(() => undefined);
  // The fake CLI writes <pid dir>/<pid> (its argv first) while it runs.
  const pidDir = process.env.FAKE_CLAUDE_PID_DIR;
  const hanging = () => readdirSync(pidDir).filter((pid) => readFileSync(path.join(pidDir, pid), 'utf8').includes('fake-hang'));
  let pids = [];
  for (let i = 0; i < 100 && pids.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    pids = hanging().map(Number);
  }
  report('cli.running', { pids });
  report('sent', { channels: [...new Set(page.webContents.sent)].sort() });
  page.close();
  tray.menu.template.find((item) => item.label === 'Quit').click();
}
