import { z } from 'zod';
import { eventChannels, invokeChannels, type EventChannel, type InvokeChannel, type ProxyBridge } from '../../shared/contract.js';
import { LOCKED_MESSAGE, showLocked } from './dashboard-session.js';

/**
 * The window contract over HTTP, for the page the headless proxy serves at
 * /dashboard/: `POST api/invoke/<channel>` and one `EventSource` on
 * `api/events`. URLs are relative so they follow the page's own origin (the
 * proxy that served it). Whatever arrives is parsed with the contract's
 * schemas, so a mismatched core fails loudly here rather than in the view.
 * Nothing is asked before `ready` (the session cookie, dashboard-session.ts).
 */

// zod compiles parsers with `new Function` when it can; this page's CSP has no 'unsafe-eval' and would report every try.
z.config({ jitless: true });

export class BridgeError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}

export type ConnectionState = 'open' | 'lost';

export interface HttpBridge extends ProxyBridge {
  /** `open` after every (re)connect: events may have been missed, so re-list. `lost` when the stream drops. */
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

export function createHttpBridge(ready: Promise<void> = Promise.resolve()): HttpBridge {
  let source: EventSource | undefined;
  const connection = new Set<(state: ConnectionState) => void>();
  // Subscriptions made before the stream exists are attached when it opens.
  const handlers: [EventChannel, EventListener][] = [];
  const events = () =>
    void ready.then(() => {
      if (source) return;
      source = new EventSource('api/events');
      source.addEventListener('open', () => connection.forEach((listener) => listener('open')));
      source.addEventListener('error', () => connection.forEach((listener) => listener('lost')));
      for (const [channel, handler] of handlers) source.addEventListener(channel, handler);
    });

  const invoke = async (channel: InvokeChannel, ...payload: unknown[]): Promise<unknown> => {
    await ready;
    const response = await fetch(`api/invoke/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload.length > 0 ? { payload: payload[0] } : {}),
      cache: 'no-store',
    });
    const body = (await response.json().catch(() => undefined)) as { result?: unknown; error?: { message?: string; code?: string } } | undefined;
    if (!response.ok) {
      if (response.status === 401) showLocked(`${body?.error?.message ?? 'Refused'}. ${LOCKED_MESSAGE}`);
      throw new BridgeError(body?.error?.message ?? `HTTP ${response.status}`, body?.error?.code ?? 'http_error', response.status);
    }
    return invokeChannels[channel].response.parse(body?.result);
  };

  const on = (channel: EventChannel, listener: (payload: unknown) => void): (() => void) => {
    const handler = (event: MessageEvent<string>) => {
      const parsed = eventChannels[channel].safeParse(JSON.parse(event.data));
      if (parsed.success) listener(parsed.data);
      else console.warn(`Dropped a malformed ${channel} event`, parsed.error.issues);
    };
    handlers.push([channel, handler as EventListener]);
    if (source) source.addEventListener(channel, handler as EventListener);
    else events();
    return () => {
      const at = handlers.findIndex(([, h]) => h === (handler as EventListener));
      if (at >= 0) handlers.splice(at, 1);
      source?.removeEventListener(channel, handler as EventListener);
    };
  };

  return {
    invoke: invoke as ProxyBridge['invoke'],
    on: on as ProxyBridge['on'],
    onConnection(listener) {
      connection.add(listener);
      events();
      return () => connection.delete(listener);
    },
  };
}
