import type { BrowserWindowConstructorOptions } from 'electron';
import type { Logger } from '../core/logger.js';
import { windowOptions } from './window-options.js';

/**
 * The one window. Closing it only hides it: the app lives in the tray and the
 * proxy keeps serving; it really closes only while quitting.
 */

export interface WindowLike {
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
  show(): void;
  hide(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  loadURL(url: string): Promise<void>;
  webContents: {
    on(event: 'did-fail-load', listener: (event: unknown, code: number, description: string, url: string) => void): unknown;
    on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string; exitCode: number }) => void): unknown;
  };
}

export interface MainWindowDeps<W extends WindowLike> {
  create(options: BrowserWindowConstructorOptions): W;
  preload: string;
  /** The page, app://renderer/index.html. */
  pageUrl: string;
  icon?: string;
  dark: boolean;
  devTools: boolean;
  /** Started by the OS at login: stay in the tray until the user asks for the window. */
  startHidden: boolean;
  isQuitting: () => boolean;
  log: Logger;
}

export function openMainWindow<W extends WindowLike>(deps: MainWindowDeps<W>): W {
  const win = deps.create(
    windowOptions({ preload: deps.preload, dark: deps.dark, devTools: deps.devTools, ...(deps.icon ? { icon: deps.icon } : {}) }),
  );
  hideOnClose(win, deps.isQuitting);
  if (!deps.startHidden) win.once('ready-to-show', () => showWindow(win));
  win.webContents.on('did-fail-load', (_event, code, description, url) => {
    deps.log.error('The window failed to load', { code, description, url });
  });
  win.webContents.on('render-process-gone', (_event, details) => {
    deps.log.error('The window’s renderer process ended', { reason: details.reason, exitCode: details.exitCode });
  });
  win.loadURL(deps.pageUrl).catch((error: unknown) => {
    deps.log.error(`Cannot load ${deps.pageUrl} (was \`npm run build\` run?)`, {
      error: error instanceof Error ? error.message : String(error),
    });
  });
  return win;
}

export function hideOnClose(win: Pick<WindowLike, 'on' | 'hide'>, isQuitting: () => boolean): void {
  win.on('close', (event) => {
    if (isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
}

export function showWindow(win: Pick<WindowLike, 'isDestroyed' | 'isMinimized' | 'restore' | 'show' | 'focus'>): void {
  if (win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
