import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RequestRecord } from '../../shared/request-record.js';
import { postJson, startTestProxy, waitFor } from '../test/helpers/test-proxy.js';
import { HISTORY_FILE, MAX_LINE_BYTES, nodeHistoryFs, RequestHistory, type HistoryFs, type HistoryOptions } from './history.js';
import { createLogger, type LogLevel } from './logger.js';
import { RequestLog } from './request-log.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 0, 31);

function record(id: string, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id,
    startedAt: T0,
    clientIp: '127.0.0.1',
    method: 'POST',
    path: '/v1/messages',
    api: 'anthropic',
    model: 'sonnet',
    stream: false,
    state: 'done',
    status: 200,
    ttftMs: 120,
    durationMs: 900,
    inputTokens: 12,
    outputTokens: 5,
    stopReason: 'end_turn',
    error: null,
    ignored: [],
    tools: [],
    toolCalls: [],
    cliPid: 4242,
    userAgent: 'test-agent/1.0',
    requestBody: null,
    responseText: null,
    ...overrides,
  };
}

function capturingLogger() {
  const lines: { level: LogLevel; message: string }[] = [];
  const logger = createLogger((level, message) => lines.push({ level, message }), 'debug');
  return { logger, lines, warnings: () => lines.filter((line) => line.level === 'warn') };
}

describe('RequestHistory', () => {
  let root: string;
  let dir: string;
  let n = 0;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'ccp-history-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const open = (options: Partial<HistoryOptions> = {}) =>
    RequestHistory.open({
      dir,
      maxBytes: 1024 * 1024,
      maxFiles: 3,
      maxAgeMs: 30 * DAY,
      logger: capturingLogger().logger,
      now: () => T0,
      ...options,
    });
  const fileLines = async (name = HISTORY_FILE) => (await readFile(path.join(dir, name), 'utf8')).split('\n');
  // A fresh directory per test.
  const fresh = () => {
    n += 1;
    dir = path.join(root, `h${n}`, 'history');
  };

  test('appended records are written as JSON lines and load again after a restart, oldest first', async () => {
    fresh();
    const first = await open();
    assert.deepEqual(first.loaded, []);
    assert.equal(first.problem, undefined);
    first.append(record('b', { startedAt: T0 - 1000 }));
    first.append(record('a', { startedAt: T0 - 2000 }));
    await first.close();
    const lines = await fileLines();
    assert.equal(lines.length, 3, 'two complete lines and the empty rest after the last newline');
    assert.equal(lines[2], '');
    assert.equal((await stat(path.join(dir, HISTORY_FILE))).mode & 0o777, 0o600);

    const second = await open();
    assert.deepEqual(second.loaded, [record('a', { startedAt: T0 - 2000 }), record('b', { startedAt: T0 - 1000 })]);
    assert.equal(second.problem, undefined);
    await second.close();
  });

  test('tool names and calls are kept; the arguments of a call only when bodies are', async () => {
    fresh();
    const first = await open();
    const call = { id: 'toolu_1', name: 'get_weather', input: '{"city":"Oslo"}' };
    first.append(record('plain', { tools: ['get_weather'], toolCalls: [call] }));
    first.append(record('bodies', { tools: ['get_weather'], toolCalls: [call], requestBody: '{}' }));
    await first.close();
    const second = await open();
    const [plain, bodies] = second.loaded;
    assert.deepEqual(plain!.tools, ['get_weather']);
    assert.deepEqual(plain!.toolCalls, [{ ...call, input: '' }]);
    assert.deepEqual(bodies!.toolCalls, [call]);
    await second.close();
  });

  test('records are written within a moment of append, without a flush', async () => {
    fresh();
    const history = await open();
    history.append(record('a'));
    await waitFor(async () => (await readFile(path.join(dir, HISTORY_FILE), 'utf8').catch(() => '')).includes('"id":"a"'));
    await history.close();
  });

  test('the same id written twice loads once, as its last version', async () => {
    fresh();
    const history = await open();
    history.append(record('a', { state: 'failed', status: 500 }));
    history.append(record('b'));
    await history.flush();
    history.append(record('a', { state: 'cancelled', status: null }));
    await history.close();
    const loaded = (await open()).loaded;
    assert.deepEqual(
      loaded.map((r) => [r.id, r.state]),
      [
        ['a', 'cancelled'],
        ['b', 'done'],
      ],
    );
  });

  test('a line cut short by a crash is dropped and reported; the rest loads and new lines are whole', async () => {
    fresh();
    const first = await open();
    first.append(record('a'));
    first.append(record('b'));
    await first.close();
    const line = JSON.stringify(record('c'));
    await appendFile(path.join(dir, HISTORY_FILE), line.slice(0, line.length / 2));

    const { logger, warnings } = capturingLogger();
    const second = await open({ logger });
    assert.deepEqual(
      second.loaded.map((r) => r.id),
      ['a', 'b'],
    );
    assert.match(second.problem ?? '', /incomplete last line in history\.jsonl/);
    assert.equal(warnings().length, 1);
    second.append(record('d'));
    await second.close();

    const lines = (await fileLines()).filter((l) => l !== '');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).id),
      ['a', 'b', 'd'],
    );
    const third = await open();
    assert.deepEqual(
      third.loaded.map((r) => r.id),
      ['a', 'b', 'd'],
    );
    assert.equal(third.problem, undefined, 'the fragment was cut off, so it is reported only once');
  });

  test('a whole record that lost its newline is kept, and the next line starts on its own line', async () => {
    fresh();
    await open().then((h) => h.close());
    await writeFile(path.join(dir, HISTORY_FILE), `${JSON.stringify(record('a'))}\n${JSON.stringify(record('b'))}`);
    const history = await open();
    assert.deepEqual(
      history.loaded.map((r) => r.id),
      ['a', 'b'],
    );
    history.append(record('c'));
    await history.close();
    assert.deepEqual(
      (await open()).loaded.map((r) => r.id),
      ['a', 'b', 'c'],
    );
  });

  test('invalid lines in the middle are skipped and counted', async () => {
    fresh();
    await open().then((h) => h.close());
    const bad = JSON.stringify({ ...record('x'), state: 'exploded' });
    await writeFile(path.join(dir, HISTORY_FILE), `${JSON.stringify(record('a'))}\nnot json\n${bad}\n\n${JSON.stringify(record('b'))}\n`);
    const history = await open();
    assert.deepEqual(
      history.loaded.map((r) => r.id),
      ['a', 'b'],
    );
    assert.match(history.problem ?? '', /2 unreadable lines in history\.jsonl skipped/);
  });

  test('size rotation keeps at most maxFiles rotated files and loads across them in order', async () => {
    fresh();
    const lineBytes = Buffer.byteLength(`${JSON.stringify(record('r00'))}\n`);
    // Two records per file.
    const options = { maxBytes: lineBytes * 2, maxFiles: 2 };
    const history = await open(options);
    for (let i = 0; i < 9; i += 1) {
      history.append(record(`r${String(i).padStart(2, '0')}`, { startedAt: T0 - 100 + i }));
      await history.flush();
    }
    await history.close();
    const names = (await readdir(dir)).sort();
    assert.deepEqual(names, ['history.1.jsonl', 'history.2.jsonl', 'history.jsonl']);
    for (const name of names) assert.ok((await stat(path.join(dir, name))).size <= lineBytes * 2, name);
    assert.deepEqual(
      (await fileLines('history.2.jsonl')).filter(Boolean).map((l) => JSON.parse(l).id),
      ['r04', 'r05'],
    );
    const reopened = await open(options);
    assert.deepEqual(
      reopened.loaded.map((r) => r.id),
      ['r04', 'r05', 'r06', 'r07', 'r08'],
    );
    await reopened.close();

    // A smaller limit later deletes the files beyond it.
    await open({ ...options, maxFiles: 1 }).then((h) => h.close());
    assert.deepEqual((await readdir(dir)).sort(), ['history.1.jsonl', 'history.jsonl']);
  });

  test('records older than maxAge are dropped, and rotated files with nothing newer are deleted', async () => {
    fresh();
    let now = T0;
    const lineBytes = Buffer.byteLength(`${JSON.stringify(record('old1'))}\n`);
    const options = { maxBytes: lineBytes * 2, maxFiles: 3, maxAgeMs: 5 * DAY, now: () => now };
    const history = await open(options);
    history.append(record('old1', { startedAt: T0 }));
    history.append(record('old2', { startedAt: T0 + 1 }));
    await history.flush();
    history.append(record('mid', { startedAt: T0 + 3 * DAY }));
    await history.close();
    assert.deepEqual((await readdir(dir)).sort(), ['history.1.jsonl', 'history.jsonl']);

    now = T0 + 6 * DAY;
    const later = await open(options);
    assert.deepEqual(
      later.loaded.map((r) => r.id),
      ['mid'],
    );
    assert.deepEqual((await readdir(dir)).sort(), ['history.jsonl'], 'the file holding only expired records is gone');
    assert.equal(later.problem, undefined);

    // While running: a rotation that leaves an expired file behind deletes it. One line per file
    // here, so `mid` is rotated out by new1 (and expired), and new1 by new2 (kept).
    now = T0 + 9 * DAY;
    later.configure({ ...options, maxBytes: lineBytes });
    later.append(record('new1', { startedAt: now }));
    later.append(record('new2', { startedAt: now + 1 }));
    await later.close();
    assert.deepEqual((await readdir(dir)).sort(), ['history.1.jsonl', 'history.jsonl']);
    assert.match(await readFile(path.join(dir, 'history.1.jsonl'), 'utf8'), /^\{"id":"new1".*\n$/);
    assert.deepEqual(
      (await open(options)).loaded.map((r) => r.id),
      ['new1', 'new2'],
    );
  });

  test('a file of garbage is moved aside, reported, and never overwritten', async () => {
    fresh();
    await open().then((h) => h.close());
    const garbage = Buffer.from('\u0000\u0001\u0002 not a history file\n{"half": \n');
    await writeFile(path.join(dir, HISTORY_FILE), garbage);
    const { logger, warnings } = capturingLogger();
    const history = await open({ logger });
    assert.deepEqual(history.loaded, []);
    assert.match(history.problem ?? '', /history\.jsonl could not be read and was moved aside to history\.jsonl\.corrupt-/);
    assert.equal(warnings().length, 1);
    const aside = (await readdir(dir)).find((name) => name.startsWith('history.jsonl.corrupt-'));
    assert.ok(aside);
    assert.deepEqual(await readFile(path.join(dir, aside)), garbage);
    history.append(record('a'));
    await history.close();
    assert.deepEqual(
      (await open()).loaded.map((r) => r.id),
      ['a'],
    );
  });

  test('an uncreatable directory (its parent is a file) degrades with a problem, never a throw', async () => {
    fresh();
    const blocker = path.join(root, `blocker${n}`);
    await writeFile(blocker, 'a file, not a directory');
    dir = path.join(blocker, 'history');
    const { logger, warnings } = capturingLogger();
    const history = await open({ logger });
    assert.deepEqual(history.loaded, []);
    assert.match(history.problem ?? '', /^History is not being saved: cannot write to .* \((ENOTDIR|EEXIST)\)/);
    for (let i = 0; i < 5; i += 1) history.append(record(`r${i}`));
    await history.flush();
    await history.close();
    assert.equal(warnings().length, 1, 'one warning, not one per request');
  });

  test('a full disk stops writing with one warning, keeps records in memory, and recovers', async () => {
    fresh();
    let full = false;
    let failedWrites = 0;
    const fs: HistoryFs = {
      ...nodeHistoryFs,
      async appendFile(file, data) {
        if (!full) return nodeHistoryFs.appendFile(file, data);
        failedWrites += 1;
        // What a full disk does: part of the data lands, then ENOSPC.
        await nodeHistoryFs.appendFile(file, data.slice(0, Math.floor(data.length / 2)));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const { logger, warnings, lines } = capturingLogger();
    const history = await open({ fs, logger, retryMs: 40 });
    const problems: (string | undefined)[] = [];
    history.on('problem', (problem) => problems.push(problem));
    history.append(record('a'));
    await history.flush();

    full = true;
    history.append(record('b'));
    history.append(record('c'));
    await history.flush();
    assert.match(history.problem ?? '', /^History is not being saved: cannot write to .* \(ENOSPC\)/);
    history.append(record('d'));
    const tried = failedWrites;
    await waitFor(() => failedWrites >= tried + 3 || undefined); // three retries, each failing
    assert.equal(warnings().length, 1, 'one warning for the outage, whatever the retries');

    full = false;
    await waitFor(() => history.problem === undefined || undefined);
    assert.deepEqual(problems.length, 2);
    assert.match(problems[0] ?? '', /ENOSPC/);
    assert.equal(problems[1], undefined);
    assert.ok(lines.some((line) => line.level === 'info' && /saved again/.test(line.message)));
    await history.close();

    const reopened = await open();
    assert.deepEqual(
      reopened.loaded.map((r) => r.id),
      ['a', 'b', 'c', 'd'],
    );
    assert.match(reopened.problem ?? '', /unreadable line/, 'the half-written lines are skipped, not fatal');
  });

  test('a directory that becomes read-only degrades and recovers (injected EACCES)', async () => {
    fresh();
    let denied = true;
    const fs: HistoryFs = {
      ...nodeHistoryFs,
      mkdir: async (target) => {
        if (denied) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return nodeHistoryFs.mkdir(target);
      },
    };
    const history = await open({ fs, retryMs: 30 });
    assert.match(history.problem ?? '', /\(EACCES\)/);
    history.append(record('a'));
    denied = false;
    await waitFor(() => history.problem === undefined || undefined);
    await history.close();
    assert.deepEqual(
      (await open()).loaded.map((r) => r.id),
      ['a'],
    );
  });

  test('keys and tokens in a record are masked before they reach the file; counts are kept', async () => {
    fresh();
    const history = await open();
    history.append(
      record('a', {
        state: 'failed',
        status: 401,
        error: { type: 'authentication_error', code: 'cli_auth', message: 'bad key sk-ant-abcdefgh12345678 rejected' },
        userAgent: 'curl/8 Bearer abc.def.ghi',
      }),
    );
    await history.close();
    const text = await readFile(path.join(dir, HISTORY_FILE), 'utf8');
    assert.ok(!text.includes('sk-ant-abcdefgh12345678'));
    assert.ok(!text.includes('abc.def.ghi'));
    const [loaded] = (await open()).loaded;
    assert.equal(loaded?.error?.message, 'bad key [redacted] rejected');
    assert.equal(loaded?.userAgent, 'curl/8 [redacted]');
    assert.equal(loaded?.inputTokens, 12);
    assert.equal(loaded?.outputTokens, 5);
  });

  test('issue 9: a record full of 30 MB client strings writes one capped line, and no file passes maxBytes by more than one line', async () => {
    fresh();
    const huge = 'm'.repeat(30 * 1024 * 1024);
    const maxBytes = 64 * 1024;
    const history = await open({ maxBytes, maxFiles: 3 });
    for (let index = 0; index < 20; index += 1) {
      history.append(
        record(`big${index}`, {
          model: huge,
          userAgent: huge,
          path: `/v1/${huge}`,
          ignored: [huge, ...Array.from({ length: 5_000 }, (_, key) => `k${key}`)],
          error: { type: 'invalid_request_error', code: 'model_not_found', message: `model: ${huge} is not a model this proxy serves` },
          requestBody: '\u0001'.repeat(200_000),
          responseText: '\u0001'.repeat(200_000),
        }),
      );
    }
    await history.close();
    for (const name of await readdir(dir)) {
      const text = await readFile(path.join(dir, name), 'utf8');
      const lines = text.split('\n').filter(Boolean);
      for (const line of lines) assert.ok(Buffer.byteLength(line) < MAX_LINE_BYTES, `${name}: a line of ${Buffer.byteLength(line)} bytes`);
      const lastLine = Buffer.byteLength(lines.at(-1) ?? '') + 1;
      assert.ok(Buffer.byteLength(text) <= maxBytes + lastLine, `${name} is ${Buffer.byteLength(text)} bytes`);
    }
    const loaded = (await open({ maxBytes, maxFiles: 3 })).loaded;
    const last = loaded.at(-1)!;
    assert.equal(last.id, 'big19');
    assert.equal(last.model, `${'m'.repeat(256)}…(+${huge.length - 256} chars)`);
    assert.equal(last.ignored.length, 65);
    assert.equal(last.ignored.at(-1), '…and 4937 more fields');
    assert.ok(last.error!.message.length < 1100);
    assert.match(last.requestBody!, /^\[left out of history/);
  });

  test('appends after close are dropped, not thrown', async () => {
    fresh();
    const history = await open();
    await history.close();
    history.append(record('late'));
    await history.flush();
    assert.deepEqual((await open()).loaded, []);
  });
});

describe('RequestLog.seed', () => {
  test('puts history before live records, without events, keeping the newest within capacity', () => {
    const log = new RequestLog(3);
    let events = 0;
    log.on('added', () => (events += 1));
    log.add(record('live'));
    events = 0;
    log.seed([record('h1'), record('h2'), record('h3')]);
    assert.equal(events, 0);
    assert.deepEqual(
      log.list().map((r) => r.id),
      ['h2', 'h3', 'live'],
    );
  });
});

describe('history through ProxyService', () => {
  test('finished requests are saved and shown again after a restart on the same data directory', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-history-proxy-'));
    try {
      const first = await startTestProxy({ dataDir });
      const res = await postJson(`${first.url}/v1/messages`, {
        model: 'sonnet',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(res.status, 200);
      const id = res.headers.get('x-request-id');
      assert.ok(id);
      await res.text();
      await waitFor(() => first.proxy.request(id)?.state === 'done' || undefined);
      await first.close();

      const lines = (await readFile(path.join(dataDir, 'history', HISTORY_FILE), 'utf8')).split('\n').filter(Boolean);
      assert.equal(lines.length, 1, 'one line per finished request; in-progress states are not written');
      const saved = JSON.parse(lines[0] ?? '{}') as RequestRecord;
      assert.equal(saved.id, id);
      assert.equal(saved.state, 'done');
      assert.ok(!lines[0]?.includes('"hi"'), 'no prompt text');

      const second = await startTestProxy({ dataDir });
      try {
        const shown = second.proxy.request(id);
        assert.equal(shown?.state, 'done');
        assert.equal(shown?.status, 200);
        assert.deepEqual((await second.proxy.snapshot()).warnings, []);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('an unwritable history directory shows a warning and the proxy keeps serving', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-history-proxy-'));
    // A file where the history directory should be.
    await writeFile(path.join(dataDir, 'history'), 'not a directory');
    const proxy = await startTestProxy({ dataDir });
    try {
      const warnings = (await proxy.proxy.snapshot()).warnings;
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', /^History is not being saved/);
      const res = await postJson(`${proxy.url}/v1/messages`, {
        model: 'sonnet',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(res.status, 200);
      await res.text();
    } finally {
      await proxy.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('history off: nothing is written', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-history-proxy-'));
    const proxy = await startTestProxy({ dataDir, settings: { history: { enabled: false } } });
    try {
      const res = await postJson(`${proxy.url}/v1/messages`, {
        model: 'sonnet',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
      await res.text();
    } finally {
      await proxy.close();
    }
    assert.deepEqual(
      (await readdir(dataDir)).filter((name) => name === 'history'),
      [],
    );
    await rm(dataDir, { recursive: true, force: true });
  });
});
