/**
 * Desktop entry. Composes the same core as the headless server (main/serve.ts)
 * with a tray, one window and IPC; everything with logic in it lives in the
 * modules next to this file and is tested in plain Node.
 */
import path from 'node:path';
import { app, BrowserWindow, clipboard, ipcMain, Menu, nativeTheme, Notification, protocol, session, shell, Tray } from 'electron';
import electronLog from 'electron-log/main';
import { BridgeService } from '../core/bridge/bridge-service.js';
import { ProxyService } from '../core/proxy.js';
import { loadSettings, saveSettings } from '../core/settings.js';
import { proxyVersion } from '../core/version.js';
import { forwardEvents, registerIpc, senderIs } from './ipc.js';
import { openedAtLogin, readLaunchAtLogin, writeLaunchAtLogin, type LaunchAtLoginState } from './launch-at-login.js';
import { coreLoggerFrom, setupElectronLog } from './log.js';
import { openMainWindow, showWindow } from './main-window.js';
import { appPaths } from './paths.js';
import { installQuitHandler, quitSequence } from './quit.js';
import { RENDERER_SCHEME, RENDERER_SCHEME_PRIVILEGES, RENDERER_URL, serveRenderer } from './renderer-protocol.js';
import { notifyPlanAlerts } from './plan-notifier.js';
import { darkBarFor, TrayController } from './tray.js';
import type { TrayActions, TraySnapshot } from './tray-menu.js';
import { guardNavigation, permissionAllowed } from './window-options.js';

// A separate data folder (tests, a second profile). Set before anything reads userData: the single-instance lock lives there.
const dataDirOverride = process.env.CLAUDE_PROXY_DATA_DIR;
if (dataDirOverride) {
  app.setPath('userData', path.resolve(dataDirOverride));
  app.setAppLogsPath(path.join(path.resolve(dataDirOverride), 'logs'));
} else {
  app.setAppLogsPath();
}
setupElectronLog(electronLog, { logsDir: app.getPath('logs'), console: !app.isPackaged });
// Must happen before 'ready': the page's scheme gets a real origin and a secure context.
protocol.registerSchemesAsPrivileged([RENDERER_SCHEME_PRIVILEGES]);
const log = coreLoggerFrom(electronLog);
const platform = process.platform;
// Held here for the app's lifetime: a Tray that is garbage-collected disappears from the bar.
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- assigned only to keep it alive
let tray: TrayController | undefined;

if (!app.requestSingleInstanceLock()) {
  // Another copy is running: it shows its window (second-instance) and this one leaves.
  app.quit();
} else {
  main().catch((error: unknown) => {
    log.error('The app failed to start', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    app.exit(1);
  });
}

async function main(): Promise<void> {
  const paths = appPaths(app.getAppPath());
  app.on('window-all-closed', () => {
    // Stay in the tray: the proxy keeps serving with no window open.
  });
  app.on('web-contents-created', (_event, contents) =>
    guardNavigation(
      contents,
      (url) => void shell.openExternal(url),
      (url, why) => log.warn(`Refused ${why}`, { url }),
    ),
  );
  await app.whenReady();
  protocol.handle(RENDERER_SCHEME, (request) => serveRenderer(paths.rendererDir, request));
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl, RENDERER_URL)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    permissionAllowed(permission, details.requestingUrl ?? '', RENDERER_URL),
  );

  const dataDir = app.getPath('userData');
  const loaded = await loadSettings(dataDir);
  const proxy = new ProxyService({ settings: loaded.settings, dataDir, logger: log, version: proxyVersion(), hostKind: 'electron' });
  if (loaded.problem) {
    log.warn(`Settings: ${loaded.problem}`);
    proxy.addWarning(loaded.problem);
  }
  const bridge = new BridgeService(proxy, {
    persist: async (settings) => {
      // A settings file we could not read is the user's to fix; saving over it would lose what they wrote.
      if (loaded.problem) log.warn('Settings changed for this session only: settings.json is invalid and is left as it is');
      else await saveSettings(dataDir, settings);
    },
    // The settings panel's checkbox and the tray's item set the same OS login item; the tray re-reads it on every state push.
    launchAtLogin: {
      read: () => loginItemValue(readLaunchAtLogin(app, platform, process.execPath)),
      write: (enabled) => loginItemValue(writeLaunchAtLogin(app, platform, process.execPath, enabled)),
    },
  });
  // The deadline outlasts the CLI's SIGTERM→SIGKILL grace, so every child has been killed before we give up waiting.
  const quit = installQuitHandler(app, () =>
    quitSequence({ proxy, bridge, log, deadlineMs: proxy.currentSettings.cli.killGraceMs + 5_000 }),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  registerIpc(ipcMain, bridge, senderIs(RENDERER_URL));
  const window = openMainWindow({
    create: (options) => new BrowserWindow(options),
    preload: paths.preload,
    pageUrl: RENDERER_URL,
    icon: paths.windowIcon,
    dark: nativeTheme.shouldUseDarkColors,
    devTools: !app.isPackaged,
    startHidden: openedAtLogin(process.argv, platform, app),
    isQuitting: quit.isQuitting,
    log,
  });
  forwardEvents(bridge, window.webContents);
  app.on('second-instance', () => showWindow(window));
  app.on('activate', () => showWindow(window));

  // Loads the request history into the log before the window asks for it, and keeps it from here on.
  await proxy.init();
  try {
    const { url } = await proxy.start();
    log.info(`Claude Code Proxy ${proxyVersion()} listening on ${url}`, { dataDir });
  } catch (error) {
    // The snapshot carries the error (PORT_IN_USE…): the tray and the window show it; the user can change the port.
    log.error('The proxy could not start', { error: messageOf(error) });
  }
  tray = await startTray(proxy, bridge, window, paths.trayIconDir);
  notifyPlanAlerts(
    proxy.plan,
    {
      supported: () => Notification.isSupported(),
      show: (notice, onClick) => {
        const notification = new Notification(notice);
        notification.on('click', onClick);
        notification.show();
      },
    },
    () => showWindow(window),
  );
  void proxy
    .cliHealth()
    .then((health) => {
      if (health.problem) log.warn(health.problem);
      else log.info(`Using Claude CLI ${health.version} at ${health.path}`);
      return bridge.publishState();
    })
    .catch((error: unknown) => log.error('Checking the Claude CLI failed', { error: messageOf(error) }));
}

/** The tray, kept in step with the proxy: on every state push, theme change, and every 10 s (health and the login item change on their own). */
async function startTray(proxy: ProxyService, bridge: BridgeService, window: BrowserWindow, iconDir: string): Promise<TrayController> {
  let launchAtLogin = readLaunchAtLogin(app, platform, process.execPath);
  const failed = (what: string) => (error: unknown) => log.error(`${what} failed`, { error: messageOf(error) });
  const actions: TrayActions = {
    start: () => void bridge.invoke('proxy:start', undefined).catch(failed('Start')),
    stop: () => void bridge.invoke('proxy:stop', undefined).catch(failed('Stop')),
    copyAddress: (address) => void clipboard.writeText(address),
    openWindow: () => showWindow(window),
    openLogs: () => void shell.openPath(app.getPath('logs')).then((problem) => problem && log.warn(`Open logs folder: ${problem}`)),
    setLaunchAtLogin: (enabled) => {
      launchAtLogin = writeLaunchAtLogin(app, platform, process.execPath, enabled);
      void refresh().catch(failed('Tray refresh'));
    },
    quit: () => app.quit(),
  };
  const controller = new TrayController(
    {
      platform,
      iconDir,
      createTray: (icon) => new Tray(icon),
      buildMenu: (template) => Menu.buildFromTemplate(template),
      darkBar: () => darkBarFor(platform, nativeTheme, process.env.XDG_CURRENT_DESKTOP),
    },
    actions,
    { snapshot: await proxy.snapshot(), launchAtLogin, spent: proxy.usageToday() },
  );
  const show = (snapshot: TraySnapshot) => controller.update({ snapshot, launchAtLogin, spent: proxy.usageToday() });
  const refresh = async () => show(await proxy.snapshot());
  // The plan's meters and the day's spending change with every answered turn.
  proxy.plan.on('changed', () => void refresh().catch(failed('Tray refresh')));
  bridge.on('proxy:state', (snapshot) => {
    launchAtLogin = readLaunchAtLogin(app, platform, process.execPath);
    show(snapshot);
  });
  nativeTheme.on('updated', () => controller.themeChanged());
  setInterval(() => {
    launchAtLogin = readLaunchAtLogin(app, platform, process.execPath);
    void refresh().catch(failed('Tray refresh'));
  }, 10_000).unref();
  return controller;
}

function loginItemValue(state: LaunchAtLoginState): boolean | null {
  return state.supported ? state.enabled : null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
