import type { ProxySnapshot } from '../../shared/contract.js';
import type { PlanState } from '../../shared/usage.js';
import type { LaunchAtLoginState } from './launch-at-login.js';
import { planLines, type SpentToday } from './tray-plan.js';

/**
 * What the tray shows, as plain data: the menu is rebuilt from the proxy's
 * snapshot every time it changes, so the tray can never disagree with the
 * window. The Electron side only turns these descriptors into a `Menu`.
 */

export type TrayStatus = 'running' | 'stopped' | 'error';

export type TraySnapshot = Pick<ProxySnapshot, 'running' | 'url' | 'host' | 'port' | 'error'> & {
  health: { status: 'healthy' | 'degraded' | 'unavailable'; cli: { problem: string | null }; plan?: PlanState | undefined } | null;
};

export interface TrayState {
  snapshot: TraySnapshot;
  launchAtLogin: LaunchAtLoginState;
  /** What the proxy's clients spent today (the usage totals). */
  spent?: SpentToday | undefined;
  /** For the plan windows' reset times; defaults to now. */
  now?: number;
}

/** The plan windows and today's spending, one line each (none for an API-key login with no requests). */
export function usageLines(state: TrayState): string[] {
  return planLines(state.snapshot.health?.plan, state.spent, state.now ?? Date.now());
}

export interface TrayActions {
  start(): void;
  stop(): void;
  copyAddress(address: string): void;
  openWindow(): void;
  openLogs(): void;
  setLaunchAtLogin(enabled: boolean): void;
  quit(): void;
}

/** The subset of Electron's `MenuItemConstructorOptions` we use; it is passed to `Menu.buildFromTemplate` as is. */
export interface MenuItemDescriptor {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox';
  enabled?: boolean;
  checked?: boolean;
  toolTip?: string;
  click?: () => void;
}

/**
 * Running with no usable CLI is shown as an error: every request would get a
 * 503, and the tray is where the user looks first.
 */
export function trayStatus(snapshot: TraySnapshot): TrayStatus {
  if (snapshot.running) return snapshot.health?.status === 'unavailable' ? 'error' : 'running';
  return snapshot.error ? 'error' : 'stopped';
}

/** The address clients use; `http://127.0.0.1:PORT` even before the listener is up. */
export function addressOf(snapshot: TraySnapshot): string {
  return snapshot.url ?? `http://${snapshot.host.includes(':') ? `[${snapshot.host}]` : snapshot.host}:${snapshot.port}`;
}

export function statusLine(snapshot: TraySnapshot): string {
  if (snapshot.running) {
    if (snapshot.health?.status === 'unavailable') return 'Running, but the Claude CLI is unavailable';
    if (snapshot.error) return `Running on port ${snapshot.port}; last change failed: ${snapshot.error.message}`;
    return `Running on port ${snapshot.port}`;
  }
  if (snapshot.error) return `Stopped: ${snapshot.error.message}`;
  return 'Stopped';
}

export function trayTooltip(snapshot: TraySnapshot, lines: readonly string[] = []): string {
  return [`Claude Code Proxy: ${statusLine(snapshot)}`, ...lines].join('\n');
}

export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemDescriptor[] {
  const { snapshot, launchAtLogin } = state;
  const address = addressOf(snapshot);
  const items: MenuItemDescriptor[] = [
    { id: 'status', label: truncate(statusLine(snapshot), 80), enabled: false },
    ...usageLines(state).map((line, index): MenuItemDescriptor => ({ id: `usage-${index}`, label: line, enabled: false })),
    { type: 'separator' },
    snapshot.running
      ? { id: 'toggle', label: 'Stop proxy', click: () => actions.stop() }
      : { id: 'toggle', label: 'Start proxy', click: () => actions.start() },
    {
      id: 'address',
      label: `Copy ${address}`,
      // Copying an address nothing listens on would only send the user on a hunt.
      enabled: snapshot.running,
      toolTip: 'Base URL for Anthropic SDKs; add /v1 for OpenAI clients',
      click: () => actions.copyAddress(address),
    },
    { type: 'separator' },
    { id: 'open', label: 'Open window', click: () => actions.openWindow() },
    { id: 'logs', label: 'Open logs folder', click: () => actions.openLogs() },
    launchAtLogin.supported
      ? {
          id: 'login',
          label: 'Launch at login',
          type: 'checkbox',
          checked: launchAtLogin.enabled,
          click: () => actions.setLaunchAtLogin(!launchAtLogin.enabled),
        }
      : {
          id: 'login',
          label: 'Launch at login (not supported here)',
          type: 'checkbox',
          checked: false,
          enabled: false,
          toolTip: launchAtLogin.reason,
        },
    { type: 'separator' },
    { id: 'quit', label: 'Quit', click: () => actions.quit() },
  ];
  return items;
}

/**
 * Which file under `assets/tray/` shows this status. macOS gets template
 * images (black + alpha, named `…Template` so the menu bar recolours them for
 * light and dark bars); the state is in the shape, since colour is dropped.
 * Elsewhere the colour icon variant is picked for the bar's darkness: `dark`
 * means a dark taskbar/panel, which needs the light-outlined glyph.
 * Electron picks the `@2x` file next to it on high-density screens.
 */
export function trayIconFor(status: TrayStatus, platform: NodeJS.Platform, dark: boolean): string {
  const name = status.charAt(0).toUpperCase() + status.slice(1);
  if (platform === 'darwin') return `tray${name}Template.png`;
  return `tray-${status}-${dark ? 'dark' : 'light'}.png`;
}

/** A stable key of everything the tray shows: the menu is rebuilt only when it changes (rebuilding closes an open menu on Linux). */
export function trayKey(state: TrayState, dark: boolean): string {
  const { snapshot, launchAtLogin } = state;
  return JSON.stringify([
    trayStatus(snapshot),
    statusLine(snapshot),
    addressOf(snapshot),
    snapshot.running,
    launchAtLogin,
    dark,
    usageLines(state),
  ]);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
