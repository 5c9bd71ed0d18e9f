import { EVENT_CHANNELS, INVOKE_CHANNELS, type EventChannel, type EventPayload, type InvokeChannel } from '../../shared/contract.js';
import { sameDocument } from './window-options.js';

/**
 * Main's side of the window bridge. Every `ipcMain.handle` is registered here,
 * through one wrapper, for exactly the channels of the contract: it refuses a
 * caller whose frame is not our renderer page (another page, an iframe that
 * slipped in, a navigated frame) and lets `BridgeService.invoke` parse the
 * payload with the contract's zod schema before anything runs. Push events
 * go the other way, to the one window, and stop when it is gone.
 */

/** The parts of an `IpcMainInvokeEvent` the check reads; `senderFrame` is null once the frame has navigated or been destroyed. */
export interface InvokeEventLike {
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface BridgeLike {
  invoke(channel: InvokeChannel, payload: unknown): Promise<unknown>;
  on<C extends EventChannel>(channel: C, listener: (payload: EventPayload<C>) => void): () => void;
}

export interface WebContentsLike {
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export type SenderCheck = (event: InvokeEventLike) => boolean;

export class UntrustedSenderError extends Error {
  constructor(channel: string, url: string | undefined) {
    super(`Refused ${channel}: the caller (${url ?? 'a destroyed frame'}) is not the app's window`);
    this.name = 'UntrustedSenderError';
  }
}

/** Trusts only a frame showing exactly our page (`app://renderer/index.html`; a `#fragment` is in-page routing and is ignored). */
export function senderIs(expectedUrl: string): SenderCheck {
  return (event) => {
    const url = event.senderFrame?.url;
    return typeof url === 'string' && sameDocument(url, expectedUrl);
  };
}

/** Registers a handler for every invoke channel of the contract; returns a function that removes them. */
export function registerIpc(ipcMain: IpcMainLike, bridge: BridgeLike, isTrustedSender: SenderCheck): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event)) throw new UntrustedSenderError(channel, event.senderFrame?.url);
      // One payload at most: extra arguments are a caller that does not follow the contract.
      if (args.length > 1) throw new TypeError(`${channel} takes at most one argument, got ${args.length}`);
      return bridge.invoke(channel, args[0]);
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Sends every push event of the contract to `contents` until it is destroyed; returns the unsubscribe. */
export function forwardEvents(bridge: BridgeLike, contents: WebContentsLike): () => void {
  const unsubscribers = EVENT_CHANNELS.map((channel) =>
    bridge.on(channel, (payload) => {
      if (!contents.isDestroyed()) contents.send(channel, payload);
    }),
  );
  let done = false;
  const unsubscribe = () => {
    if (done) return;
    done = true;
    for (const off of unsubscribers) off();
  };
  contents.once('destroyed', unsubscribe);
  return unsubscribe;
}
