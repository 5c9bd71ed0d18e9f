import path from 'node:path';
import {
  trayIconFor,
  trayKey,
  trayMenuTemplate,
  trayStatus,
  trayTooltip,
  usageLines,
  type MenuItemDescriptor,
  type TrayActions,
  type TrayState,
} from './tray-menu.js';

/**
 * Keeps the tray icon, tooltip and menu in step with the proxy. Electron is
 * reached only through `TraySurface`, so this runs (and is tested) in Node.
 */

export interface TrayLike {
  setImage(iconPath: string): void;
  setToolTip(text: string): void;
  setContextMenu(menu: unknown): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface TraySurface {
  platform: NodeJS.Platform;
  /** Folder holding the tray images (assets/tray). */
  iconDir: string;
  createTray(iconPath: string): TrayLike;
  buildMenu(template: MenuItemDescriptor[]): unknown;
  /** Whether the menu bar / taskbar is dark right now. */
  darkBar(): boolean;
}

export class TrayController {
  private readonly tray: TrayLike;
  private key = '';
  private icon = '';

  constructor(
    private readonly surface: TraySurface,
    private readonly actions: TrayActions,
    private state: TrayState,
  ) {
    this.icon = this.iconPath();
    this.tray = surface.createTray(this.icon);
    // macOS opens the menu on click by itself; on Windows a left click is expected to open the window.
    if (surface.platform === 'win32') this.tray.on('click', () => actions.openWindow());
    this.render();
  }

  update(state: TrayState): void {
    this.state = state;
    this.render();
  }

  /** The bar's colours changed (system theme switch): only the icon depends on it. */
  themeChanged(): void {
    this.render();
  }

  destroy(): void {
    this.tray.destroy();
  }

  private iconPath(): string {
    return path.join(this.surface.iconDir, trayIconFor(trayStatus(this.state.snapshot), this.surface.platform, this.surface.darkBar()));
  }

  private render(): void {
    const dark = this.surface.darkBar();
    const key = trayKey(this.state, dark);
    if (key === this.key) return;
    this.key = key;
    const icon = this.iconPath();
    if (icon !== this.icon) {
      this.icon = icon;
      this.tray.setImage(icon);
    }
    this.tray.setToolTip(trayTooltip(this.state.snapshot, usageLines(this.state)));
    this.tray.setContextMenu(this.surface.buildMenu(trayMenuTemplate(this.state, this.actions)));
  }
}

/**
 * Windows draws the taskbar in its own theme, independent of the apps' one;
 * Electron exposes it as `shouldUseDarkColorsForSystemIntegratedUI`. GNOME's
 * (and Ubuntu's) top bar is dark whatever the theme; other Linux desktops
 * (KDE, Xfce) colour their panel with the theme.
 */
export function darkBarFor(
  platform: NodeJS.Platform,
  theme: { shouldUseDarkColors: boolean; shouldUseDarkColorsForSystemIntegratedUI?: boolean },
  desktop = '',
): boolean {
  if (platform === 'win32') return theme.shouldUseDarkColorsForSystemIntegratedUI ?? theme.shouldUseDarkColors;
  if (platform === 'linux') return /gnome|unity|ubuntu|pantheon/i.test(desktop) || theme.shouldUseDarkColors;
  return theme.shouldUseDarkColors;
}
