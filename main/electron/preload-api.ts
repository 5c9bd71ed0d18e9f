import { EVENT_CHANNELS, INVOKE_CHANNELS, type ProxyBridge } from '../../shared/contract.js';

/**
 * The one object the page gets (`window.claudeProxy`). It is the contract's
 * `ProxyBridge` and nothing more: invoke only the contract's invoke channels,
 * listen only to its event channels, with the payload alone (the IPC event
 * carries `sender`, which would hand the page an `ipcRenderer`). The raw
 * `ipcRenderer` is never exposed. Main checks every call again regardless.
 */

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

const invokeAllowed = new Set<string>(INVOKE_CHANNELS);
const eventAllowed = new Set<string>(EVENT_CHANNELS);

export function createPreloadApi(ipcRenderer: IpcRendererLike): ProxyBridge {
  const invoke = (channel: unknown, ...payload: unknown[]): Promise<unknown> => {
    if (typeof channel !== 'string' || !invokeAllowed.has(channel)) {
      return Promise.reject(new Error(`Unknown channel: ${String(channel)}`));
    }
    return ipcRenderer.invoke(channel, ...payload.slice(0, 1));
  };
  const on = (channel: unknown, listener: unknown): (() => void) => {
    if (typeof channel !== 'string' || !eventAllowed.has(channel)) throw new Error(`Unknown event channel: ${String(channel)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const wrapped = (_event: unknown, payload: unknown) => (listener as (payload: unknown) => void)(payload);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  };
  return { invoke: invoke as ProxyBridge['invoke'], on: on };
}
