import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * Security settings of the one window, following Electron's security
 * checklist. Threat model: the window shows data that came from API clients
 * (model names, user agents, error text), so a rendering bug must not become
 * code execution with Node's powers. The page therefore runs sandboxed and
 * context-isolated with no Node, under a CSP that allows only its own
 * scripts and styles; it may not navigate anywhere, open windows, attach
 * webviews or ask for permissions; the only way out is the preload's narrow
 * bridge, whose every call main checks again (see ipc.ts). Links leave for
 * the user's browser, and only as checked http(s) URLs.
 */

export const MIN_WIDTH = 900;
export const MIN_HEIGHT = 600;

/**
 * The page's policy, sent by main as a response header with the page (see
 * renderer-protocol.ts), so it holds whatever the page's own `<meta>` says:
 * both policies apply and the stricter wins. The window talks to main over
 * IPC only, hence no `connect-src`.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export interface WindowOptionsInput {
  preload: string;
  /** The window icon (used on Linux; Windows and macOS take the app's). */
  icon?: string;
  dark?: boolean;
  /** Developer tools only when running from source. */
  devTools?: boolean;
}

export function windowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 720,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    // Shown on 'ready-to-show', so there is no white flash, and not at all when started at login.
    show: false,
    title: 'Claude Code Proxy',
    autoHideMenuBar: true,
    backgroundColor: input.dark ? '#1f1f1e' : '#faf9f5',
    ...(input.icon ? { icon: input.icon } : {}),
    webPreferences: {
      preload: input.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: input.devTools ?? false,
    },
  };
}

const MAX_URL_LENGTH = 2048;

/**
 * The URL to hand to the OS browser, or null. Only http(s) with a host; no
 * credentials (`https://bank.example@evil.example` reads as the wrong host);
 * no whitespace or control characters, which browsers and OS handlers parse
 * differently. The normalised form is returned so what was checked is what
 * is opened.
 */
export function safeExternalUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.hostname === '') return null;
  return url.href;
}

export function isSafeExternalUrl(raw: unknown): boolean {
  return safeExternalUrl(raw) !== null;
}

/** Two URLs name the same document: equal once the fragment (in-page routing) is dropped. */
export function sameDocument(a: string, b: string): boolean {
  try {
    const left = new URL(a);
    const right = new URL(b);
    left.hash = '';
    right.hash = '';
    return left.href === right.href;
  } catch {
    return false;
  }
}

interface PreventableEvent {
  preventDefault(): void;
  url?: string;
}

/** The parts of `WebContents` the guard hooks into. */
export interface GuardableContents {
  on(event: 'will-navigate', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Refuses every navigation and new window of `contents`; a safe http(s) target
 * goes to the user's browser instead. Applied to every web contents the app
 * creates (`web-contents-created`), not only the main window.
 */
export function guardNavigation(
  contents: GuardableContents,
  openExternal: (url: string) => void,
  onRefused?: (url: string, why: string) => void,
): void {
  const leave = (raw: string, why: string) => {
    const url = safeExternalUrl(raw);
    if (url) openExternal(url);
    else onRefused?.(raw, why);
  };
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    leave(event.url ?? url, 'navigation');
  });
  contents.on('will-redirect', (event, url) => {
    event.preventDefault();
    onRefused?.(event.url ?? url, 'redirect');
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    onRefused?.('', 'webview');
  });
  contents.setWindowOpenHandler(({ url }) => {
    leave(url, 'new window');
    return { action: 'deny' };
  });
}

/**
 * Permission requests (camera, notifications, geolocation…) are all refused;
 * the one exception is writing text to the clipboard from our own page, for
 * its "copy address" buttons.
 */
export function permissionAllowed(permission: string, requestingUrl: string, rendererUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && sameDocument(requestingUrl, rendererUrl);
}
