import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Owns the listening socket; the Koa app is only its request handler. Moving
 * to another port binds the new one first and closes the old one only once
 * that worked, so a failed change leaves the proxy serving where it was.
 */

export type ServerErrorCode = 'PORT_IN_USE' | 'PORT_NOT_ALLOWED' | 'INVALID_PORT' | 'ADDRESS_UNAVAILABLE' | 'ACCESS_KEY_REQUIRED' | 'UNKNOWN';

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

export class ServerController extends EventEmitter<ServerEvents> {
  private server: http.Server | undefined;
  private address: { host: string; port: number } | undefined;

  constructor(private readonly handler: http.RequestListener) {
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
    const server = http.createServer(this.handler);
    // Long streams are normal here: the CLI can take minutes; the request timeout is the CLI manager's job.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 5_000;
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
    if (previous) await closeServer(previous);
    const info = this.listening!;
    this.emit('started', info);
    return info;
  }

  /** An 'error' with no listener would throw from emit; the caller gets the rejection either way. */
  private report(error: ServerError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** Stops accepting, lets open requests finish for up to `graceMs`, then drops the rest. */
  async close(graceMs = 5_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.address = undefined;
    await closeServer(server, graceMs);
    this.emit('stopped');
  }
}

function closeServer(server: http.Server, graceMs = 0): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
