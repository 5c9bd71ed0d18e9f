import { EventEmitter } from 'node:events';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import type { RequestRecord } from '../../shared/request-record.js';
import { historyLine, parseHistory, redactRecord } from './history-lines.js';
import { capRecord } from './limits/client-strings.js';
import type { Logger } from './logger.js';

export { historyLine, MAX_LINE_BYTES, parseHistory, redactRecord, type ParsedHistory } from './history-lines.js';

/**
 * The request history on disk: one JSON line per finished request in
 * `history.jsonl`, rotated by size to `history.1.jsonl` … and expired by age.
 *
 * Privacy: records are metadata only, and every string in them goes through
 * `redact` before it is written, so a key that slipped into an error message
 * or a user agent never reaches the disk. Files are created owner-only.
 *
 * Size: every string in a record is capped (limits/client-strings.ts) and a
 * line still over MAX_LINE_BYTES loses its kept body and answer, so no line
 * is ever larger than that, and a file passes `maxBytes` by at most one line.
 *
 * Durability: each batch is one append of complete lines, so a crash leaves
 * at most one partial last line, which the next start drops. A file that
 * cannot be read at all is renamed aside, never overwritten. When the disk is
 * read-only or full the proxy keeps serving: writes stop, `problem` says so,
 * one warning is logged, and writing is retried in the background.
 */

export const HISTORY_FILE = 'history.jsonl';
const FLUSH_DELAY_MS = 250;
const RETRY_MS = 60_000;
/** Records kept in memory while the disk refuses them. */
const MAX_PENDING = 5_000;

/** The few file operations history needs; tests inject failures here. */
export interface HistoryFs {
  mkdir(dir: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  readFile(file: string): Promise<Buffer>;
  appendFile(file: string, data: string): Promise<void>;
  truncate(file: string, length: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
}

export const nodeHistoryFs: HistoryFs = {
  mkdir: async (dir) => void (await fs.mkdir(dir, { recursive: true, mode: 0o700 })),
  readdir: (dir) => fs.readdir(dir),
  readFile: (file) => fs.readFile(file),
  appendFile: (file, data) => fs.appendFile(file, data, { encoding: 'utf8', mode: 0o600 }),
  truncate: (file, length) => fs.truncate(file, length),
  rename: (from, to) => fs.rename(from, to),
  unlink: (file) => fs.unlink(file),
};

export interface HistoryLimits {
  maxBytes: number;
  /** Rotated files kept besides `history.jsonl`. */
  maxFiles: number;
  maxAgeMs: number;
}

export interface HistoryOptions extends HistoryLimits {
  dir: string;
  logger: Logger;
  now?: () => number;
  fs?: HistoryFs;
  retryMs?: number;
}

export interface HistoryEvents {
  /** `problem` changed (undefined: all is well again). */
  problem: [string | undefined];
}

interface Pending {
  line: string;
  bytes: number;
  startedAt: number;
}

export class RequestHistory extends EventEmitter<HistoryEvents> {
  private records: RequestRecord[] = [];
  private readonly fs: HistoryFs;
  private readonly now: () => number;
  private readonly retryMs: number;
  private limits: HistoryLimits;
  private loadProblem: string | undefined;
  private writeProblem: string | undefined;
  private pending: Pending[] = [];
  private dropped = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private closed = false;
  private dirReady = false;
  /** Bytes in `history.jsonl`. */
  private size = 0;
  /** The last write may have stopped mid-line: start the next one on a fresh line. */
  private needsNewline = false;
  /** Newest `startedAt` per file (index 0 is `history.jsonl`), for age expiry without re-reading. */
  private newest: (number | undefined)[] = [];

  static async open(options: HistoryOptions): Promise<RequestHistory> {
    const history = new RequestHistory(options);
    await history.load().catch((error: unknown) => {
      history.loadProblem = `History could not be loaded: ${describe(error)}.`;
    });
    // A write problem was logged when it happened.
    if (history.loadProblem) options.logger.warn(history.loadProblem);
    return history;
  }

  private constructor(private readonly options: HistoryOptions) {
    super();
    this.fs = options.fs ?? nodeHistoryFs;
    this.now = options.now ?? Date.now;
    this.retryMs = options.retryMs ?? RETRY_MS;
    this.limits = { maxBytes: options.maxBytes, maxFiles: options.maxFiles, maxAgeMs: options.maxAgeMs };
  }

  /** Records from disk at open: oldest first, one per id (the last written), none expired. */
  get loaded(): readonly RequestRecord[] {
    return this.records;
  }

  /** A sentence for the window when history is not being written or a file was damaged. */
  get problem(): string | undefined {
    const parts = [this.writeProblem, this.loadProblem].filter((part) => part !== undefined);
    return parts.length > 0 ? parts.join(' ') : undefined;
  }

  /** New limits apply from the next write. */
  configure(limits: HistoryLimits): void {
    this.limits = { ...limits };
  }

  /** Queues one record; it is written within ~250 ms (or at the next retry while the disk refuses). */
  append(record: RequestRecord): void {
    if (this.closed) {
      this.options.logger.debug('History is closed; record not saved', { id: record.id });
      return;
    }
    const line = historyLine(record);
    this.pending.push({ line, bytes: Buffer.byteLength(line), startedAt: record.startedAt });
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.dropped += 1;
    }
    this.schedule(this.writeProblem ? Math.max(0, this.retryAt - this.now()) : FLUSH_DELAY_MS);
  }

  /** Writes what is queued now (also while degraded); never rejects. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.chain = this.chain
      .then(() => this.write())
      .catch((error: unknown) => this.options.logger.error('History: write failed unexpectedly', { error: describe(error) }));
    return this.chain;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private file(index: number): string {
    return path.join(this.options.dir, index === 0 ? HISTORY_FILE : `history.${index}.jsonl`);
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private async load(): Promise<void> {
    try {
      await this.fs.mkdir(this.options.dir);
      this.dirReady = true;
    } catch (error) {
      // Nothing to read either; the write problem says why.
      this.degrade(error);
      return;
    }
    const { maxFiles } = this.limits;
    const rotated: number[] = [];
    for (const name of await this.fs.readdir(this.options.dir)) {
      const index = /^history\.(\d+)\.jsonl$/.exec(name)?.[1];
      if (index === undefined || Number(index) < 1) continue;
      // Kept from a larger maxFiles: the limit now says they go.
      if (Number(index) > maxFiles) await this.fs.unlink(this.file(Number(index))).catch(() => undefined);
      else rotated.push(Number(index));
    }
    const notes: string[] = [];
    const records: RequestRecord[] = [];
    const cutoff = this.now() - this.limits.maxAgeMs;
    for (const index of [...rotated.sort((a, b) => b - a), 0]) {
      try {
        records.push(...(await this.loadFile(index, cutoff, notes)));
      } catch (error) {
        notes.push(`${path.basename(this.file(index))} could not be loaded (${describe(error)})`);
      }
    }
    const byId = new Map<string, RequestRecord>();
    for (const record of records) if (record.startedAt >= cutoff) byId.set(record.id, record);
    this.records = [...byId.values()].sort((a, b) => a.startedAt - b.startedAt).map((record) => redactRecord(capRecord(record)));
    if (notes.length > 0) this.loadProblem = `History: ${notes.join('; ')}.`;
  }

  private async loadFile(index: number, cutoff: number, notes: string[]): Promise<RequestRecord[]> {
    const file = this.file(index);
    const name = path.basename(file);
    let buffer: Buffer;
    try {
      buffer = await this.fs.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') notes.push(`${name} could not be read (${describe(error)})`);
      return [];
    }
    const parsed = parseHistory(buffer);
    const newest = parsed.records.reduce<number | undefined>((max, record) => Math.max(max ?? -Infinity, record.startedAt), undefined);
    if (parsed.records.length === 0 && parsed.invalidLines > 0) {
      const aside = `${file}.corrupt-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}`;
      await this.fs.rename(file, aside);
      notes.push(`${name} could not be read and was moved aside to ${path.basename(aside)}`);
      return [];
    }
    if (newest === undefined ? buffer.length === 0 || index > 0 : newest < cutoff) {
      // Empty, or every record in it has expired.
      await this.fs.unlink(file);
      return [];
    }
    if (parsed.invalidLines > 0)
      notes.push(`${parsed.invalidLines} unreadable ${parsed.invalidLines === 1 ? 'line' : 'lines'} in ${name} skipped`);
    if (index === 0) {
      this.size = buffer.length;
      if (parsed.tail === 'invalid') {
        notes.push(`an incomplete last line in ${name} dropped (the app probably quit while writing it)`);
        try {
          await this.fs.truncate(file, parsed.completeBytes);
          this.size = parsed.completeBytes;
        } catch {
          this.needsNewline = true;
        }
      } else if (parsed.tail === 'valid') {
        this.needsNewline = true;
      }
    }
    this.newest[index] = newest;
    return parsed.records;
  }

  private async write(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    let written = 0;
    try {
      if (!this.dirReady) {
        await this.fs.mkdir(this.options.dir);
        this.dirReady = true;
      }
      // Each append fills the current file up to maxBytes (at least one line), then rotates.
      while (written < batch.length) {
        if (this.size > 0 && this.size + batch[written]!.bytes > this.limits.maxBytes) await this.rotate();
        let end = written + 1;
        let bytes = (this.needsNewline ? 1 : 0) + batch[written]!.bytes;
        while (end < batch.length && this.size + bytes + batch[end]!.bytes <= this.limits.maxBytes) bytes += batch[end++]!.bytes;
        const lines = batch.slice(written, end);
        await this.fs.appendFile(this.file(0), (this.needsNewline ? '\n' : '') + lines.map((item) => item.line).join(''));
        this.size += bytes;
        this.needsNewline = false;
        this.newest[0] = Math.max(this.newest[0] ?? -Infinity, ...lines.map((item) => item.startedAt));
        written = end;
      }
    } catch (error) {
      // A failed append may have written part of the batch: the retry starts on
      // a new line, and ids written twice are merged on load.
      this.needsNewline = true;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.dirReady = false;
      this.pending = [...batch.slice(written), ...this.pending].slice(-MAX_PENDING);
      this.degrade(error);
      return;
    }
    this.recover();
    await this.expire().catch((error: unknown) =>
      this.options.logger.debug('History: could not delete an expired file', { error: describe(error) }),
    );
  }

  /** history.jsonl → history.1.jsonl → … → history.<maxFiles>.jsonl → deleted. */
  private async rotate(): Promise<void> {
    const { maxFiles } = this.limits;
    await ignoreMissing(this.fs.unlink(this.file(maxFiles)));
    for (let index = maxFiles - 1; index >= 0; index -= 1) await ignoreMissing(this.fs.rename(this.file(index), this.file(index + 1)));
    this.newest = [undefined, ...this.newest].slice(0, maxFiles + 1);
    this.size = 0;
    this.needsNewline = false;
  }

  /** Deletes rotated files whose newest record has expired. */
  private async expire(): Promise<void> {
    const cutoff = this.now() - this.limits.maxAgeMs;
    for (let index = 1; index < this.newest.length; index += 1) {
      const newest = this.newest[index];
      if (newest === undefined || newest >= cutoff) continue;
      await ignoreMissing(this.fs.unlink(this.file(index)));
      this.newest[index] = undefined;
    }
  }

  private degrade(error: unknown): void {
    const first = this.writeProblem === undefined;
    const before = this.problem;
    this.writeProblem = `History is not being saved: cannot write to ${this.options.dir} (${describe(error)}). The proxy keeps working and will retry.`;
    // One warning per outage, not one per request.
    if (first) this.options.logger.warn(this.writeProblem);
    this.retryAt = this.now() + this.retryMs;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length > 0) this.schedule(this.retryMs);
    if (this.problem !== before) this.emit('problem', this.problem);
  }

  private recover(): void {
    if (this.writeProblem === undefined) return;
    this.writeProblem = undefined;
    const lost = this.dropped > 0 ? ` (${this.dropped} records could not be kept meanwhile)` : '';
    this.dropped = 0;
    this.options.logger.info(`History is being saved again${lost}`);
    this.emit('problem', this.problem);
  }
}

async function ignoreMissing(operation: Promise<void>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code) return code;
  return error instanceof Error ? error.message : String(error);
}
