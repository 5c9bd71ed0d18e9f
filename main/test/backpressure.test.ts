import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseRawResponse, parseSse, startTestProxy, waitFor, type TestProxy } from './helpers/test-proxy.js';

/**
 * A client that stops reading a long streamed answer (the limit of one that
 * reads a byte a second) must hold up the CLI, not the proxy's memory. No
 * clock is involved: the proxy's own counters say whether the CLI's stdout is
 * paused and how much of it was read.
 */

const DELTAS = 2000;
const DELTA_BYTES = 16 * 1024;
/** 32 MiB of answer: many times what the sockets between the proxy and the client can hold. */
const TOTAL = DELTAS * DELTA_BYTES;

describe('a client that stops reading a long streamed answer', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({
      env: {
        FAKE_CLAUDE_SCENARIO: 'fake-long',
        FAKE_CLAUDE_LONG_DELTAS: String(DELTAS),
        FAKE_CLAUDE_LONG_DELTA_BYTES: String(DELTA_BYTES),
      },
    });
  });
  after(() => proxy.close());

  test(
    'pauses the CLI instead of buffering its output; the answer arrives whole once the client reads again',
    { timeout: 120_000 },
    async (t) => {
      const body = JSON.stringify({
        model: 'sonnet',
        max_tokens: 64_000,
        stream: true,
        messages: [{ role: 'user', content: 'a long answer' }],
      });
      const socket = net.connect(proxy.port, '127.0.0.1');
      // Never flowing until resumed below: Node stops reading the socket once its small buffer is full.
      socket.pause();
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.write(
        [
          'POST /v1/messages HTTP/1.1',
          `Host: 127.0.0.1:${proxy.port}`,
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Connection: close',
          '',
          body,
        ].join('\r\n'),
      );

      const paused = await waitFor(() => {
        const { cliOutput } = proxy.proxy.stats();
        return cliOutput.paused === 1 ? cliOutput : undefined;
      }, 60_000);
      t.diagnostic(`paused after reading ${paused.bytes} of ~${TOTAL} bytes`);
      assert.ok(paused.bytes < TOTAL / 2, `read ${paused.bytes} bytes of the CLI's ~${TOTAL} before pausing`);

      // The proxy keeps serving others meanwhile (its event loop turns many times), and takes nothing more from the CLI.
      for (let i = 0; i < 5; i++) assert.equal((await fetch(`${proxy.url}/health`)).status, 200);
      const still = proxy.proxy.stats().cliOutput;
      assert.equal(still.paused, 1, 'still paused while the client does not read');
      assert.equal(still.bytes, paused.bytes, 'nothing more read from the CLI');

      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.resume();
      await new Promise<void>((resolve, reject) => socket.once('end', resolve).once('error', reject));
      const response = parseRawResponse(Buffer.concat(chunks));
      assert.equal(response?.status, 200);
      const events = parseSse(response.body.toString('utf8'));
      const text = events
        .filter((e) => e.event === 'content_block_delta')
        .map((e) => (JSON.parse(e.data) as { delta: { text: string } }).delta.text);
      assert.equal(text.join('').length, TOTAL, 'every byte of the answer arrived');
      assert.equal(events.at(-1)?.event, 'message_stop');
      await waitFor(() => proxy.proxy.stats().cliProcesses === 0 || undefined);
    },
  );
});

describe('a client that stops reading, then leaves or never comes back (found in review)', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({
      // The idle limit also bounds how long a client may read nothing: short here, so the CLI's end can be awaited.
      settings: { cli: { idleTimeoutMs: 1_000 } },
      env: {
        FAKE_CLAUDE_SCENARIO: 'fake-long',
        FAKE_CLAUDE_LONG_DELTAS: String(DELTAS),
        FAKE_CLAUDE_LONG_DELTA_BYTES: String(DELTA_BYTES),
      },
    });
  });
  after(() => proxy.close());

  const body = JSON.stringify({ model: 'sonnet', max_tokens: 64_000, stream: true, messages: [{ role: 'user', content: 'long' }] });
  const pausedClient = async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.pause();
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await waitFor(() => (proxy.proxy.stats().cliOutput.paused === 1 ? true : undefined), { message: 'the CLI paused' });
    return socket;
  };
  const last = () => proxy.proxy.requests().at(-1)!;

  test('a client reading nothing for the idle limit does not hold the CLI: it is ended, its slot freed', async () => {
    const socket = await pausedClient();
    await waitFor(() => (proxy.proxy.stats().cliProcesses === 0 ? true : undefined), { message: 'the stalled CLI ended' });
    socket.destroy();
    await waitFor(() => (last().state !== 'in_progress' ? true : undefined), { message: 'the request finished in the log' });
    assert.notEqual(last().status, 200, 'not logged as a whole answer');
  });

  test('a client that resets the connection while the CLI is paused is logged as cancelled (499), not done', async () => {
    const socket = await pausedClient();
    socket.resetAndDestroy();
    await waitFor(() => (last().state !== 'in_progress' ? true : undefined), { message: 'the request finished in the log' });
    assert.equal(last().state, 'cancelled');
    assert.equal(last().status, 499);
    await waitFor(() => (proxy.proxy.stats().cliProcesses === 0 ? true : undefined), { message: 'its CLI ended' });
  });
});
