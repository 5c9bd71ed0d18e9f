import { PassThrough } from 'node:stream';
import { EVENT_CHANNELS } from '../../../shared/contract.js';
import type { BridgeService } from '../bridge/bridge-service.js';
import type { ProxyContext } from './context.js';

/**
 * The window's push channels as server-sent events: `event: <channel>` with
 * the payload as one JSON line. One stream per open page; its listeners go
 * when the page does.
 */

const PING_INTERVAL_MS = 15_000;
/** A page that stops reading (a suspended tab) must not make us buffer without end: drop it, it reconnects and re-lists. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** How soon EventSource reconnects after a drop (its default is ~3 s, which feels broken in a live view). */
const RETRY_MS = 1_000;

export function streamEvents(ctx: ProxyContext, bridge: BridgeService, onClose: () => void = () => undefined): void {
  const body = new PassThrough();
  ctx.status = 200;
  ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
  ctx.set('Cache-Control', 'no-store, no-transform');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = body;

  const send = (frame: string) => {
    if (body.writableEnded || body.destroyed) return;
    if (body.writableLength > MAX_BUFFERED_BYTES) {
      body.end();
      return;
    }
    body.write(frame);
  };
  const unsubscribe = EVENT_CHANNELS.map((channel) =>
    bridge.on(channel, (payload: unknown) => send(`event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`)),
  );
  const ping = setInterval(() => send(': ping\n\n'), PING_INTERVAL_MS);
  ping.unref();

  let closed = false;
  const cleanup = () => {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    for (const off of unsubscribe) off();
    onClose();
  };
  ctx.res.once('close', cleanup);
  body.once('close', cleanup);
  // Sent at once so the headers go out and EventSource reports `open` before the first real event.
  send(`retry: ${RETRY_MS}\n: connected\n\n`);
}
