import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardConnections, type ConnectionLimits } from './connection-guard.js';
import type { Duplex } from 'node:stream';

/**
 * Owns the listening socket; the Koa app is only its request handler. Moving
 * to another port binds the new one first and closes the old one only once
 * that worked, so a failed change leaves the proxy serving where it was.
 */

export type ServerErrorCode =
  'PORT_IN_USE' | 'PORT_NOT_ALLOWED' | 'INVALID_PORT' | 'ADDRESS_UNAVAILABLE' | 'ACCESS_KEY_REQUIRED' | 'UNKNOWN';

export class ServerError extends Error {
  constructor(
    readonly code: ServerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

export interface ServerEvents {
  started: [{ host: string; port: number; url: string }];
  stopped: [];
  error: [ServerError];
}

export function serverErrorFrom(error: NodeJS.ErrnoException, host: string, port: number): ServerError {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ServerError('PORT_IN_USE', `Port ${port} on ${host} is already in use by another program`);
    case 'EACCES':
      return new ServerError('PORT_NOT_ALLOWED', `Not allowed to listen on ${host}:${port} (ports below 1024 need privileges)`);
    case 'EADDRNOTAVAIL':
      return new ServerError('ADDRESS_UNAVAILABLE', `${host} is not an address of this machine`);
    default:
      return new ServerError('UNKNOWN', `Cannot listen on ${host}:${port}: ${error.message}`);
  }
}

export function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const MOVE_GRACE_MS = 30_000;

export class ServerController extends EventEmitter<ServerEvents> {
  private server: http.Server | undefined;
  /** Old listeners after a port move, letting their last requests finish. */
  private readonly draining = new Set<http.Server>();
  private address: { host: string; port: number } | undefined;

  constructor(
    private readonly handler: http.RequestListener,
    private readonly limits: { requestTimeoutMs: number; checkIntervalMs: number } = { requestTimeoutMs: 60_000, checkIntervalMs: 5_000 },
    /** Read for each new connection, so a settings change applies from the next one. */
    private readonly connections: () => ConnectionLimits = () => ({
      idleSocketTimeoutMs: 10_000,
      maxConnectionsPerClient: 128,
      maxConnections: 768,
    }),
  ) {
    super();
  }

  get listening(): { host: string; port: number; url: string } | undefined {
    return this.address && { ...this.address, url: urlFor(this.address.host, this.address.port) };
  }

  /** Listens on host:port; if already listening elsewhere, moves there (old socket closed only on success). */
  async listen(port: number, host: string): Promise<{ host: string; port: number; url: string }> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      const error = new ServerError('INVALID_PORT', `${port} is not a valid port (1–65535)`);
      this.report(error);
      throw error;
    }
    if (this.server && this.address?.port === port && this.address.host === host) return this.listening!;
    // No Host at all is refused by the app's Host guard, in JSON, like every other refusal.
    const server = http.createServer({ requireHostHeader: false, connectionsCheckingInterval: this.limits.checkIntervalMs }, this.handler);
    // Receiving a request (headers and body) must not take long, even at 32 MB over loopback; a client
    // that stalls mid-upload gets a 408. Answers can stream for minutes: their limit is the CLI manager's.
    server.requestTimeout = this.limits.requestTimeoutMs;
    server.headersTimeout = Math.min(30_000, this.limits.requestTimeoutMs);
    server.keepAliveTimeout = Math.min(5_000, this.connections().idleSocketTimeoutMs);
    guardConnections(server, this.connections);
    // Which socket has a response under way, as Node's own clientError handler knows it (from a private field).
    const answering = new WeakMap<Duplex, http.ServerResponse>();
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      answering.set(request.socket, response);
      response.once('close', () => {
        if (answering.get(request.socket) === response) answering.delete(request.socket);
      });
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
      answerClientError(error, socket, answering.get(socket)?.headersSent ?? false),
    );
    // Node answers an unknown `Expect` with a bare 417; the same refusal, in JSON.
    server.on('checkExpectation', (_request, response: http.ServerResponse) => {
      const body = JSON.stringify(malformed('unsupported Expect header'));
      response
        .writeHead(417, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' })
        .end(body);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      const failure = serverErrorFrom(error as NodeJS.ErrnoException, host, port);
      this.report(failure);
      throw failure;
    }
    const previous = this.server;
    this.server = server;
    this.address = { host, port: (server.address() as AddressInfo).port };
    // The old socket stops accepting at once; what is in flight there (the very request that asked
    // for the move, streams) may finish, for a while, without holding up the move.
    if (previous) {
      this.draining.add(previous);
      void closeServer(previous, MOVE_GRACE_MS).then(() => this.draining.delete(previous));
    }
    const info = this.listening!;
    this.emit('started', info);
    return info;
  }

  /** Open connections on the current listener (leak checks). */
  openConnections(): Promise<number> {
    const server = this.server;
    return new Promise((resolve) => (server ? server.getConnections((_error, count) => resolve(count)) : resolve(0)));
  }

  /** Listener counts on the current http.Server (leak checks). */
  serverListeners(events: readonly string[]): Record<string, number> {
    return Object.fromEntries(events.map((event) => [event, this.server?.listenerCount(event) ?? -1]));
  }

  /** An 'error' with no listener would throw from emit; the caller gets the rejection either way. */
  private report(error: ServerError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** Stops accepting, lets open requests finish for up to `graceMs`, then drops the rest. */
  async close(graceMs = 5_000): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.address = undefined;
    const old = [...this.draining];
    this.draining.clear();
    await Promise.all([...(server ? [closeServer(server, graceMs)] : []), ...old.map((previous) => closeServer(previous, graceMs))]);
    if (server) this.emit('stopped');
  }
}

/** Both SDKs read this: Anthropic's `type: "error"` envelope with OpenAI's `code` and `param` inside. */
function malformed(why: string) {
  return {
    type: 'error',
    error: { type: 'invalid_request_error', code: 'malformed_http', message: `Malformed HTTP request (${why})`, param: null },
  };
}

/**
 * Requests Node's parser refuses (bad framing, oversized headers) never reach
 * the app; they still get a JSON error, in a shape both SDKs read.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, responseStarted: boolean): void {
  // As Node's own handler: answer unless a response has already started on this socket.
  if (!socket.writable || responseStarted) {
    socket.destroy();
    return;
  }
  const [status, reason] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
  const body = JSON.stringify(malformed(error.code ?? 'parse error'));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function closeServer(server: http.Server, graceMs = 0): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
