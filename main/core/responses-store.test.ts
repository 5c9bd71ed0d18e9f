import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from './logger.js';
import { ResponseStore, type ResponseStoreLimits, type StoredResponse } from './responses-store.js';

const DAY = 24 * 60 * 60 * 1000;

function record(id: string, previous: string | null = null, createdAt = Date.now()): Omit<StoredResponse, 'version'> {
  return {
    id,
    createdAt,
    previousResponseId: previous,
    inputItems: [{ id: `msg_${id}`, type: 'message', role: 'user', content: [{ type: 'input_text', text: id }] }],
    output: [{ type: 'text', text: `answer ${id}` }],
    response: { id, object: 'response' },
  };
}

describe('ResponseStore', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'ccp-store-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const limits = (overrides: Partial<ResponseStoreLimits> = {}): ResponseStoreLimits => ({
    maxResponses: 100,
    maxAgeMs: 30 * DAY,
    maxBytesPerResponse: 1024 * 1024,
    maxBytes: 10 * 1024 * 1024,
    ...overrides,
  });

  it('keeps owner-only files and finds them again from a new store on the same directory', async () => {
    const dir = path.join(root, 'restart');
    await new ResponseStore(dir, silentLogger, limits()).put(record('resp_a1'));
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(dir, 'resp_a1.json'))).mode & 0o777, 0o600);
    const again = new ResponseStore(dir, silentLogger, limits());
    assert.equal((await again.get('resp_a1'))?.output[0]?.type, 'text');
    assert.equal(await again.delete('resp_a1'), true);
    assert.equal(await again.get('resp_a1'), undefined);
    assert.equal(await again.delete('resp_a1'), false);
  });

  it('prunes the oldest beyond the count, and what is past its age', async () => {
    const dir = path.join(root, 'prune');
    let now = 1_000 * DAY;
    const store = new ResponseStore(dir, silentLogger, limits({ maxResponses: 3 }), () => now);
    for (const n of [1, 2, 3, 4]) await store.put(record(`resp_p${n}`, null, now + n));
    assert.deepEqual((await readdir(dir)).sort(), ['resp_p2.json', 'resp_p3.json', 'resp_p4.json']);
    now += 31 * DAY;
    assert.equal(await store.get('resp_p4'), undefined, 'expired entries are not served even before a prune');
    await store.put(record('resp_p5', null, now));
    assert.deepEqual(await readdir(dir), ['resp_p5.json']);
  });

  it('prunes by total bytes and does not keep a response over its own cap', async () => {
    const dir = path.join(root, 'bytes');
    const size = Buffer.byteLength(JSON.stringify({ version: 1, ...record('resp_b1') }));
    const store = new ResponseStore(dir, silentLogger, limits({ maxBytes: size * 2 + 10, maxBytesPerResponse: size + 50 }));
    for (const n of [1, 2, 3]) await store.put(record(`resp_b${n}`, null, Date.now() + n));
    assert.deepEqual((await readdir(dir)).sort(), ['resp_b2.json', 'resp_b3.json']);
    await store.put({ ...record('resp_big'), inputItems: [{ text: 'x'.repeat(size) }] });
    assert.equal(await store.get('resp_big'), undefined);
  });

  it('never touches a path for an id not of its own form', async () => {
    const dir = path.join(root, 'ids');
    const store = new ResponseStore(dir, silentLogger, limits());
    await writeFile(path.join(root, 'secret.json'), '{}');
    for (const id of ['../secret', 'resp_../../secret', 'resp_a/b', 'resp_', 'secret']) {
      assert.equal(await store.get(id), undefined, id);
      assert.equal(await store.delete(id), false, id);
    }
    assert.ok((await readdir(root)).includes('secret.json'));
  });

  it('walks a conversation oldest first, and names the first response missing', async () => {
    const dir = path.join(root, 'chain');
    const store = new ResponseStore(dir, silentLogger, limits());
    await store.put(record('resp_c1'));
    await store.put(record('resp_c2', 'resp_c1'));
    await store.put(record('resp_c3', 'resp_c2'));
    const chain = await store.chain('resp_c3');
    assert.ok('responses' in chain);
    assert.deepEqual(
      chain.responses.map((r) => r.id),
      ['resp_c1', 'resp_c2', 'resp_c3'],
    );
    await store.delete('resp_c1');
    assert.deepEqual(await store.chain('resp_c3'), { missing: 'resp_c1' });
  });

  it('stops a conversation stored in more than the bytes asked for, before reading past them', async () => {
    const dir = path.join(root, 'chain-bytes');
    const store = new ResponseStore(dir, silentLogger, limits());
    await store.put(record('resp_s1'));
    await store.put(record('resp_s2', 'resp_s1'));
    const one = Buffer.byteLength(JSON.stringify({ version: 1, ...record('resp_s2', 'resp_s1') }));
    assert.ok('responses' in (await store.chain('resp_s2', 3 * one)));
    const over = await store.chain('resp_s2', one + 10);
    assert.ok('tooLarge' in over, JSON.stringify(over));
    assert.equal(over.limit, one + 10);
  });

  it('a conversation longer than the store now keeps is missing its start, not silently shorter', async () => {
    const dir = path.join(root, 'chain-cut');
    const writer = new ResponseStore(dir, silentLogger, limits());
    await writer.put(record('resp_k1'));
    await writer.put(record('resp_k2', 'resp_k1'));
    await writer.put(record('resp_k3', 'resp_k2'));
    // The limit was lowered since (a new setting, a new start): the store only walks as far as it keeps.
    const reader = new ResponseStore(dir, silentLogger, limits({ maxResponses: 2 }));
    assert.deepEqual(await reader.chain('resp_k3'), { missing: 'resp_k1' });
  });

  it('narrows a directory left wider than owner-only', { skip: process.platform === 'win32' && 'POSIX modes' }, async () => {
    const dir = path.join(root, 'wide');
    await mkdir(dir);
    await chmod(dir, 0o755);
    await new ResponseStore(dir, silentLogger, limits()).put(record('resp_w1'));
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
  });

  it('a delete wins over a write still in progress', async () => {
    const dir = path.join(root, 'delete-writing');
    const store = new ResponseStore(dir, silentLogger, limits());
    await store.put(record('resp_d0'));
    const writing = store.put(record('resp_d1'));
    assert.equal(await store.delete('resp_d1'), true);
    assert.equal(await store.get('resp_d1'), undefined);
    await writing;
    assert.equal(await store.get('resp_d1'), undefined);
    assert.deepEqual(await readdir(dir), ['resp_d0.json']);
    assert.equal(await store.delete('resp_d1'), false);
  });
});
