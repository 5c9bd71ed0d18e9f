import type { ProxyBridge } from '../../shared/contract.js';
import { createHttpBridge, type ConnectionState } from './bridge-http.js';
import { dashboardUrlAt, establishSession } from './dashboard-session.js';

/**
 * One page, two hosts. In the desktop app the preload exposes the contract as
 * `window.claudeProxy` (IPC); in a browser the page was served by the proxy
 * itself and talks to it over HTTP + SSE.
 */

declare global {
  interface Window {
    claudeProxy?: ProxyBridge;
  }
}

export interface WindowHost {
  kind: 'electron' | 'dashboard';
  bridge: ProxyBridge;
  /** Told `open` once connected (and again after every reconnect, when the caller should re-list). */
  onConnection(listener: (state: ConnectionState) => void): void;
  /**
   * After the proxy moved to `url`. The dashboard lives on the proxy, so it
   * goes where the proxy went; the desktop window is a local file and stays.
   */
  follow(url: string): void;
}

export function connectHost(): WindowHost {
  const preload = window.claudeProxy;
  if (preload) {
    return {
      kind: 'electron',
      bridge: preload,
      // IPC has no connection to lose.
      onConnection: (listener) => queueMicrotask(() => listener('open')),
      follow: () => undefined,
    };
  }
  // A browser must first prove it holds the dashboard's token; the desktop window (IPC) needs none.
  const bridge = createHttpBridge(establishSession());
  return {
    kind: 'dashboard',
    bridge,
    onConnection: (listener) => void bridge.onConnection(listener),
    follow: (url) => window.location.assign(dashboardUrlAt(url)),
  };
}
