import type http from 'node:http';
import type { Socket } from 'node:net';

/**
 * Keeps idle and piled-up connections from eating the process's file
 * descriptors (about 1,000 by default on Linux). Node closes a connection that
 * is slow to send its headers or body once a request has begun (headersTimeout,
 * requestTimeout), but never one that sends nothing at all, nor one that went
 * quiet halfway through its headers. So:
 *
 * - A connection with no request in flight is closed after
 *   `idleSocketTimeoutMs` without a byte either way: a fresh one that says
 *   nothing, one stalled mid-headers, one idle between keep-alive requests.
 *   A connection with a request in flight is left to the request's own limits:
 *   an answer may stream for minutes, or take minutes before its first byte.
 * - One client address may hold at most `maxConnectionsPerClient` at once;
 *   beyond that a connection gets a 503 and is closed at once.
 * - All addresses together may hold at most `maxConnections`, refused the
 *   same way: every address in 127.0.0.0/8 is loopback, so one local caller
 *   can be many clients, and the per-address cap alone does not bound the
 *   descriptors.
 */

export interface ConnectionLimits {
  idleSocketTimeoutMs: number;
  maxConnectionsPerClient: number;
  maxConnections: number;
}

const kInFlight = Symbol('requestsInFlight');
type TrackedSocket = Socket & { [kInFlight]?: number };

export function guardConnections(server: http.Server, limits: () => ConnectionLimits): void {
  const perClient = new Map<string, number>();
  let total = 0;
  server.on('connection', (socket: TrackedSocket) => {
    const { idleSocketTimeoutMs, maxConnectionsPerClient, maxConnections } = limits();
    const address = socket.remoteAddress ?? 'unknown';
    const open = perClient.get(address) ?? 0;
    if (open >= maxConnectionsPerClient) {
      refuse(socket, BUSY_ADDRESS);
      return;
    }
    if (total >= maxConnections) {
      refuse(socket, BUSY_TOTAL);
      return;
    }
    perClient.set(address, open + 1);
    total += 1;
    socket.once('close', () => {
      total -= 1;
      const left = (perClient.get(address) ?? 1) - 1;
      if (left > 0) perClient.set(address, left);
      else perClient.delete(address);
    });
    socket.setTimeout(idleSocketTimeoutMs);
  });
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket as TrackedSocket;
    socket[kInFlight] = (socket[kInFlight] ?? 0) + 1;
    response.once('close', () => {
      socket[kInFlight] = (socket[kInFlight] ?? 1) - 1;
    });
  });
  // With a 'timeout' listener on the server, Node leaves the socket to it (also for keep-alive's own timeout).
  server.on('timeout', (socket: TrackedSocket) => {
    if (!socket[kInFlight]) socket.destroy();
  });
}

const busy = (message: string) =>
  JSON.stringify({ type: 'error', error: { type: 'overloaded_error', code: 'too_many_connections', message, param: null } });
const BUSY_ADDRESS = busy('Too many open connections from this address');
const BUSY_TOTAL = busy('Too many open connections to the proxy');

function refuse(socket: Socket, body: string): void {
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
  // A peer that never reads must not keep even this one open.
  socket.setTimeout(1_000, () => socket.destroy());
}
