/**
 * "Launch at login" through Electron's login items. The operating system is
 * the source of truth (the user can also remove the item in System Settings
 * or Task Manager), so the state is read back from it, never cached.
 * Electron implements login items on macOS and Windows only; on Linux the menu
 * item is shown disabled with the reason.
 */

export type LaunchAtLoginState = { supported: true; enabled: boolean } | { supported: false; enabled: false; reason: string };

/** The part of Electron's `app` this module needs. */
export interface LoginItemApp {
  readonly isPackaged: boolean;
  getAppPath(): string;
  getLoginItemSettings(options?: { path?: string; args?: string[] }): { openAtLogin: boolean; wasOpenedAtLogin?: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean; path?: string; args?: string[] }): void;
}

/** Passed when the OS starts us at login: start in the tray, without opening the window. */
export const HIDDEN_ARG = '--hidden';

export const LINUX_REASON =
  'Electron cannot register login items on Linux; add Claude Code Proxy to your desktop’s “Startup Applications” (or ~/.config/autostart) instead';

export function loginItemSupport(platform: NodeJS.Platform): { supported: true } | { supported: false; reason: string } {
  if (platform === 'darwin' || platform === 'win32') return { supported: true };
  if (platform === 'linux') return { supported: false, reason: LINUX_REASON };
  return { supported: false, reason: `Launch at login is not available on ${platform}` };
}

/**
 * Windows stores a command line, and reads the item back only when given the
 * same path and arguments. Run from source, the executable is electron.exe, so
 * the app folder must be among the arguments or the login item would start a
 * bare Electron.
 */
export function loginItemOptions(platform: NodeJS.Platform, app: LoginItemApp, execPath: string): { path?: string; args?: string[] } {
  if (platform !== 'win32') return {};
  return { path: execPath, args: app.isPackaged ? [HIDDEN_ARG] : [app.getAppPath(), HIDDEN_ARG] };
}

export function readLaunchAtLogin(app: LoginItemApp, platform: NodeJS.Platform, execPath: string): LaunchAtLoginState {
  const support = loginItemSupport(platform);
  if (!support.supported) return { supported: false, enabled: false, reason: support.reason };
  return { supported: true, enabled: app.getLoginItemSettings(loginItemOptions(platform, app, execPath)).openAtLogin };
}

export function writeLaunchAtLogin(app: LoginItemApp, platform: NodeJS.Platform, execPath: string, enabled: boolean): LaunchAtLoginState {
  const support = loginItemSupport(platform);
  if (!support.supported) return { supported: false, enabled: false, reason: support.reason };
  app.setLoginItemSettings({ openAtLogin: enabled, ...loginItemOptions(platform, app, execPath) });
  return readLaunchAtLogin(app, platform, execPath);
}

/** Started by the OS at login (Windows passes our argument; macOS tells us), so stay in the tray. */
export function openedAtLogin(argv: readonly string[], platform: NodeJS.Platform, app: LoginItemApp): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
