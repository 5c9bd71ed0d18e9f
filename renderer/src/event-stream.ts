/**
 * Server-sent events read with fetch(), because EventSource cannot send a
 * header and every dashboard call must carry the page key
 * (dashboard-session.ts). Behaves like EventSource where the page relies on
 * it: `open` once the answer arrives, `lost` when it drops, reconnect after
 * the server's `retry:` delay. A 4xx (refused, or too many streams) is not
 * retried, as EventSource would not either.
 */

export interface EventStreamHandlers {
  open(): void;
  lost(): void;
  /** The answer was a 4xx: the caller decides what to show; no reconnect. */
  refused(status: number, body: unknown): void;
  event(name: string, data: string): void;
}

export function openEventStream(url: string, headers: () => Record<string, string>, handlers: EventStreamHandlers): { close(): void } {
  let closed = false;
  let retryMs = 1_000;
  let controller: AbortController | undefined;

  const connect = async (): Promise<void> => {
    while (!closed) {
      controller = new AbortController();
      try {
        const response = await fetch(url, {
          headers: { accept: 'text/event-stream', ...headers() },
          cache: 'no-store',
          signal: controller.signal,
        });
        if (response.status >= 400 && response.status < 500) {
          closed = true;
          handlers.lost();
          handlers.refused(response.status, await response.json().catch(() => undefined));
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        handlers.open();
        await read(response.body, handlers, (ms) => (retryMs = ms));
      } catch {
        // A network error or a drop: reconnect below, as EventSource does.
      }
      if (closed) return;
      handlers.lost();
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  void connect();
  return {
    close() {
      closed = true;
      controller?.abort();
    },
  };
}

/** Parses the stream per the SSE format: `event:`, `data:` (joined by newlines), `retry:`, `:` comments; a blank line dispatches. */
async function read(body: ReadableStream<Uint8Array>, handlers: EventStreamHandlers, setRetry: (ms: number) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let name = '';
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === '') {
        if (data.length > 0) handlers.event(name || 'message', data.join('\n'));
        name = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') name = text;
      else if (field === 'data') data.push(text);
      else if (field === 'retry' && /^\d+$/.test(text)) setRetry(Number(text));
    }
  }
}
