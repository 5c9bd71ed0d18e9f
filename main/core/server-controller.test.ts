import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ServerController, ServerError } from './server-controller.js';

/** What the server sends until it closes the connection; a deadline far past any timeout under test turns a hang into a failure. */
function rawExchange(port: number, text: string, deadlineMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    const timer = setTimeout(() => socket.destroy(new Error(`the server kept the connection open for ${deadlineMs} ms`)), deadlineMs);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => (clearTimeout(timer), resolve(answer)));
    socket.on('error', (error) => (clearTimeout(timer), reject(error)));
  });
}

describe('ServerController', () => {
  it('a client that stalls mid-upload gets a 408 in JSON instead of holding the connection', async () => {
    // Like the app, the handler waits for the whole body before answering.
    const controller = new ServerController((req, res) => req.resume().on('end', () => res.end('unreachable')), {
      requestTimeoutMs: 300,
      checkIntervalMs: 100,
    });
    const { port } = await controller.listen(0, '127.0.0.1');
    try {
      const answer = await rawExchange(
        port,
        'POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":',
      );
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(answer, /"type":"error"/);
    } finally {
      await controller.close();
    }
  });

  it('refuses an invalid port, and a busy one with PORT_IN_USE', async () => {
    const controller = new ServerController((_req, res) => res.end());
    await assert.rejects(
      controller.listen(70_000, '127.0.0.1'),
      (error: unknown) => error instanceof ServerError && error.code === 'INVALID_PORT',
    );
    const first = await controller.listen(0, '127.0.0.1');
    const other = new ServerController((_req, res) => res.end());
    await assert.rejects(
      other.listen(first.port, '127.0.0.1'),
      (error: unknown) => error instanceof ServerError && error.code === 'PORT_IN_USE',
    );
    await controller.close();
  });

  it('a request in flight on the old port finishes after a move', async () => {
    let release: () => void = () => {};
    let arrived: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const controller = new ServerController((req, res) => {
      if (req.url === '/slow') {
        release = () => res.end('done');
        arrived();
      } else res.end('ok');
    });
    const before = await controller.listen(0, '127.0.0.1');
    const slow = fetch(`${before.url}/slow`).then((r) => r.text());
    await inFlight;
    const after = await controller.listen(0, '127.0.0.1');
    assert.notEqual(after.port, before.port);
    assert.equal(await (await fetch(`${after.url}/`)).text(), 'ok');
    release();
    assert.equal(await slow, 'done');
    await controller.close();
  });
});
