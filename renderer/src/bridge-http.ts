import { z } from 'zod';
import { eventChannels, invokeChannels, type EventChannel, type InvokeChannel, type ProxyBridge } from '../../shared/contract.js';
import { LOCKED_MESSAGE, pageKeyHeaders, showLocked } from './dashboard-session.js';
import { openEventStream } from './event-stream.js';

/**
 * The window contract over HTTP, for the page the headless proxy serves at
 * /dashboard/: `POST api/invoke/<channel>` and one event stream on
 * `api/events` (event-stream.ts), each with the page key header. URLs are relative so they follow the page's own origin (the
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
  let started = false;
  const connection = new Set<(state: ConnectionState) => void>();
  const handlers: [EventChannel, (data: string) => void][] = [];
  const events = () =>
    void ready.then(() => {
      if (started) return;
      started = true;
      openEventStream('api/events', pageKeyHeaders, {
        open: () => connection.forEach((listener) => listener('open')),
        lost: () => connection.forEach((listener) => listener('lost')),
        refused: (status, body) => {
          if (status === 401)
            showLocked(`${(body as { error?: { message?: string } } | undefined)?.error?.message ?? 'Refused'}. ${LOCKED_MESSAGE}`);
        },
        event: (name, data) => {
          for (const [channel, handler] of handlers) if (channel === name) handler(data);
        },
      });
    });

  const invoke = async (channel: InvokeChannel, ...payload: unknown[]): Promise<unknown> => {
    await ready;
    const response = await fetch(`api/invoke/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...pageKeyHeaders() },
      body: JSON.stringify(payload.length > 0 ? { payload: payload[0] } : {}),
      cache: 'no-store',
    });
    const body = (await response.json().catch(() => undefined)) as
      { result?: unknown; error?: { message?: string; code?: string } } | undefined;
    if (!response.ok) {
      if (response.status === 401) showLocked(`${body?.error?.message ?? 'Refused'}. ${LOCKED_MESSAGE}`);
      throw new BridgeError(body?.error?.message ?? `HTTP ${response.status}`, body?.error?.code ?? 'http_error', response.status);
    }
    return invokeChannels[channel].response.parse(body?.result);
  };

  const on = (channel: EventChannel, listener: (payload: unknown) => void): (() => void) => {
    const handler = (data: string) => {
      const parsed = eventChannels[channel].safeParse(JSON.parse(data));
      if (parsed.success) listener(parsed.data);
      else console.warn(`Dropped a malformed ${channel} event`, parsed.error.issues);
    };
    handlers.push([channel, handler]);
    events();
    return () => {
      const at = handlers.findIndex(([, h]) => h === handler);
      if (at >= 0) handlers.splice(at, 1);
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
