import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startServeChild, type ServeChild } from './helpers/serve-child.js';
import { postJson, waitFor } from './helpers/test-proxy.js';

/**
 * Issue 9: about 1,100 connections that never send a byte used up the proxy's
 * 1,024 descriptors, and /health and chat failed until they went away. The
 * attack again, from another loopback address (127.0.0.2) against a proxy in
 * its own process under `ulimit -n 1024`, its descriptors counted in /proc.
 */

const ATTACK = 1_100;
const PER_CLIENT = 64;
const IDLE_MS = 1_000;

interface Idle {
  socket: net.Socket;
  closed: boolean;
  received: string;
}

function openIdle(port: number, localAddress: string): Promise<Idle> {
  return new Promise((resolve) => {
    const idle: Idle = { socket: net.connect({ port, host: '127.0.0.1', localAddress }), closed: false, received: '' };
    idle.socket.setEncoding('utf8');
    idle.socket.on('data', (chunk: string) => (idle.received += chunk));
    idle.socket.on('error', () => undefined);
    idle.socket.once('close', () => {
      idle.closed = true;
      resolve(idle);
    });
    idle.socket.once('connect', () => resolve(idle));
  });
}

describe('issue 9: idle connections and connections per address', () => {
  let proxy: ServeChild;
  let baseline: number;

  before(async () => {
    const limit = Number(execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
    assert.ok(
      Number.isNaN(limit) || limit >= ATTACK + 200,
      `this test opens ${ATTACK} sockets itself: raise the open-files limit (ulimit -n ${ATTACK + 200} or more; it is ${limit})`,
    );
    proxy = await startServeChild({
      maxFiles: 1024,
      // No warm processes: their pipes would count as the proxy's descriptors.
      settings: { server: { idleSocketTimeoutMs: IDLE_MS, maxConnectionsPerClient: PER_CLIENT }, pool: { enabled: false } },
      env: { FAKE_CLAUDE_START_DELAY_MS: String(3 * IDLE_MS) },
    });
    baseline = proxy.fds();
  });
  after(() => proxy.close());

  test(`${ATTACK} silent connections: the proxy keeps at most ${PER_CLIENT} of them, keeps answering, and closes the rest once idle`, async () => {
    const attack: Idle[] = [];
    for (let index = 0; index < ATTACK; index += 1) attack.push(await openIdle(proxy.port, '127.0.0.2'));
    const open = () => attack.filter((idle) => !idle.closed).length;
    await waitFor(() => open() <= PER_CLIENT || undefined, 60_000, 50);
    assert.ok(
      attack.some((idle) => idle.received.startsWith('HTTP/1.1 503')),
      'refused connections are told why',
    );

    const health = await fetch(`${proxy.url}/health`);
    assert.equal(health.status, 200);
    await health.text();
    const chat = await postJson(`${proxy.url}/v1/messages`, {
      model: 'sonnet',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'ECHO:still here' }],
    });
    assert.equal(chat.status, 200);
    assert.equal(((await chat.json()) as { content: { text: string }[] }).content[0]!.text, 'still here');
    assert.ok(proxy.fds() <= baseline + PER_CLIENT + 16, `${proxy.fds()} descriptors open (${baseline} at start)`);

    // Nothing more is sent: every one of them is closed, and the descriptors go back to where they were.
    await waitFor(() => open() === 0 || undefined, 60_000, 50);
    await waitFor(() => proxy.fds() <= baseline + 2 || undefined, 30_000, 50).catch(() => {
      throw new Error(`${proxy.fds()} descriptors still open (${baseline} at start)`);
    });
  });

  test('a connection that stops halfway through its headers is closed', async () => {
    const idle = await openIdle(proxy.port, '127.0.0.3');
    idle.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await waitFor(() => idle.closed || undefined, 30_000, 50);
    assert.equal(idle.received, '');
  });

  test('a keep-alive connection is closed once idle after its answer', async () => {
    const idle = await openIdle(proxy.port, '127.0.0.3');
    idle.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nConnection: keep-alive\r\n\r\n`);
    await waitFor(() => idle.closed || undefined, 30_000, 50);
    assert.match(idle.received, /^HTTP\/1\.1 200 /);
  });

  test('an upload that pauses for longer than the idle time is not cut', async () => {
    const body = JSON.stringify({ model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'ECHO:patient upload' }] });
    const upload = await openIdle(proxy.port, '127.0.0.3');
    upload.socket.write(
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    // The clock: an answer that starts three idle periods later.
    const slow = await postJson(`${proxy.url}/v1/messages`, {
      model: 'claude-fake-slow-start',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'ECHO:tick' }],
    });
    assert.equal(slow.status, 200);
    await slow.text();
    assert.equal(upload.closed, false, 'the paused upload was closed');
    // write, not end: Node aborts a request whose client half-closes.
    upload.socket.write(body.slice(10));
    await waitFor(() => upload.closed || undefined, 30_000, 50);
    assert.match(upload.received, /^HTTP\/1\.1 200 /);
    assert.match(upload.received, /patient upload/);
  });

  test('an answer that takes longer than the idle time to start is not cut, streaming or not', async () => {
    const slow = { model: 'claude-fake-slow-start', max_tokens: 5, messages: [{ role: 'user', content: 'ECHO:worth the wait' }] };
    const whole = await postJson(`${proxy.url}/v1/messages`, slow);
    assert.equal(whole.status, 200);
    assert.equal(((await whole.json()) as { content: { text: string }[] }).content[0]!.text, 'worth the wait');
    const streamed = await postJson(`${proxy.url}/v1/messages`, { ...slow, stream: true });
    assert.equal(streamed.status, 200);
    assert.match(await streamed.text(), /event: message_stop/);
  });
});

describe('issue 9: connections from many loopback addresses together', () => {
  const TOTAL = 40;
  const PER = 16;
  const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
  let proxy: ServeChild;

  before(async () => {
    // Idle sockets are kept for minutes here: only the caps close them.
    proxy = await startServeChild({
      settings: { server: { idleSocketTimeoutMs: 600_000, maxConnectionsPerClient: PER, maxConnections: TOTAL }, pool: { enabled: false } },
    });
  });
  after(() => proxy.close());

  test(`${ADDRESSES.length} addresses × ${PER} connections: the proxy keeps at most ${TOTAL} in all, then serves again once they go`, async () => {
    const attack: Idle[] = [];
    for (const address of ADDRESSES) for (let index = 0; index < PER; index += 1) attack.push(await openIdle(proxy.port, address));
    const open = () => attack.filter((idle) => !idle.closed);
    const refused = () => attack.filter((idle) => idle.closed);
    // The test's own keep-alive connection (from waiting for /health) may hold one of the places.
    await waitFor(() => refused().length >= ADDRESSES.length * PER - TOTAL || undefined, 60_000, 50);
    assert.ok(open().length <= TOTAL, `${open().length} connections kept, at most ${TOTAL} expected`);
    // No address reached its own cap (16 each): the total refused these.
    assert.ok(
      refused().every(
        (idle) => idle.received.startsWith('HTTP/1.1 503') && idle.received.includes('Too many open connections to the proxy'),
      ),
    );

    for (const idle of open()) idle.socket.destroy();
    await waitFor(
      async () => {
        const fresh = await openIdle(proxy.port, '127.0.0.6');
        fresh.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nConnection: close\r\n\r\n`);
        await waitFor(() => fresh.closed || undefined, 30_000, 50);
        return /^HTTP\/1\.1 200 /.test(fresh.received) || undefined;
      },
      30_000,
      50,
    );
  });
});
