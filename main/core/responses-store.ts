import * as fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { CliBlock } from './api/chat-request.js';
import type { Logger } from './logger.js';

/**
 * Stored responses (`store: true`, the Responses API's default): one JSON
 * file per response under the data directory, so that `previous_response_id`
 * continues a conversation across restarts of the proxy.
 *
 * Privacy and safety: the files hold conversations, so the directory is
 * owner-only (0700) and each file 0600. Ids come from clients: only ids of
 * the proxy's own form (`resp_` and letters or digits) ever become a file
 * name, so no id can name a path outside the directory.
 *
 * Size: bounded in count, age, bytes per response and bytes in all, pruned
 * oldest first on every write. A response continues the one before it by id
 * (only its own input is kept), so a conversation whose earliest response was
 * pruned can no longer be continued, and says so.
 */

export const RESPONSE_ID = /^resp_[A-Za-z0-9]{1,100}$/;

export interface ResponseStoreLimits {
  maxResponses: number;
  maxAgeMs: number;
  maxBytesPerResponse: number;
  maxBytes: number;
}

export const DEFAULT_STORE_LIMITS: ResponseStoreLimits = {
  maxResponses: 1_000,
  maxAgeMs: 30 * 24 * 60 * 60 * 1000,
  maxBytesPerResponse: 40 * 1024 * 1024,
  maxBytes: 512 * 1024 * 1024,
};

const storedSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(RESPONSE_ID),
  createdAt: z.number(),
  previousResponseId: z.string().nullable(),
  /** The request's input items as sent (with ids): its turns are recomputed from them. */
  inputItems: z.array(z.record(z.string(), z.unknown())),
  /** The answer as the assistant turn it was (thinking blocks with their signatures included). */
  output: z.array(z.looseObject({ type: z.string() })),
  /** The response object as the client got it. */
  response: z.record(z.string(), z.unknown()),
});

export type StoredResponse = Omit<z.infer<typeof storedSchema>, 'output'> & { output: CliBlock[] };

export type ChainResult = { responses: StoredResponse[] } | { missing: string } | { tooLarge: number; limit: number };

export class ResponseStore {
  /** Id → [createdAt, bytes] of every stored file, read from the directory once. */
  private index: Promise<Map<string, [number, number]>> | undefined;
  /** Writes in flight: a client may continue a response before its file is written. */
  private readonly pending = new Map<string, { stored: StoredResponse; bytes: number }>();
  /** Writes in flight that were deleted meanwhile: the delete wins, so their file is removed once written. */
  private readonly deletedWhileWriting = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly limits: ResponseStoreLimits = DEFAULT_STORE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  async put(record: Omit<StoredResponse, 'version'>): Promise<void> {
    const stored = { version: 1 as const, ...record };
    const data = JSON.stringify(stored);
    const bytes = Buffer.byteLength(data);
    if (bytes > this.limits.maxBytesPerResponse) {
      this.logger.warn('Response not stored: larger than the store keeps', { id: record.id });
      return;
    }
    this.pending.set(record.id, { stored, bytes });
    try {
      const index = await this.loadIndex();
      await this.ensureDir();
      const file = this.file(record.id);
      await fs.writeFile(`${file}.tmp`, data, { mode: 0o600 });
      await fs.rename(`${file}.tmp`, file);
      if (this.deletedWhileWriting.has(record.id)) {
        await fs.rm(file, { force: true });
        return;
      }
      index.set(record.id, [record.createdAt, bytes]);
      await this.prune(index);
    } catch (error) {
      this.logger.warn('Response not stored', { id: record.id, error: (error as Error).message });
    } finally {
      this.deletedWhileWriting.delete(record.id);
      if (this.pending.get(record.id)?.stored === stored) this.pending.delete(record.id);
    }
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    if (!RESPONSE_ID.test(id)) return undefined;
    const pending = this.pending.get(id);
    if (pending) return pending.stored;
    const index = await this.loadIndex();
    const entry = index.get(id);
    if (!entry || entry[0] < this.now() - this.limits.maxAgeMs) return undefined;
    try {
      const parsed = storedSchema.safeParse(JSON.parse(await fs.readFile(this.file(id), 'utf8')));
      return parsed.success && parsed.data.id === id ? (parsed.data as StoredResponse) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Removes a stored response; one still being written is removed too, once its write ends. */
  async delete(id: string): Promise<boolean> {
    if (!RESPONSE_ID.test(id)) return false;
    const writing = this.pending.delete(id);
    if (writing) this.deletedWhileWriting.add(id);
    const index = await this.loadIndex();
    const stored = index.delete(id);
    if (stored) await fs.rm(this.file(id), { force: true });
    return writing || stored;
  }

  /**
   * The stored responses a conversation went through, oldest first; or the id
   * of the first one missing; or, when their stored sizes add up to more than
   * `maxBytes`, how far they got. Each response's size is counted before it is
   * read, so at most `maxBytes` are ever read. A chain longer than the store
   * keeps (it shrank since) is cut off: that counts as missing, never as a
   * shorter conversation.
   */
  async chain(id: string, maxBytes = Infinity): Promise<ChainResult> {
    const responses: StoredResponse[] = [];
    let bytes = 0;
    let next: string | null = id;
    while (next !== null) {
      if (responses.length >= this.limits.maxResponses) return { missing: next };
      bytes += (await this.sizeOf(next)) ?? 0;
      if (bytes > maxBytes) return { tooLarge: bytes, limit: maxBytes };
      const found: StoredResponse | undefined = await this.get(next);
      if (!found) return { missing: next };
      responses.unshift(found);
      next = found.previousResponseId;
    }
    return { responses };
  }

  /** Bytes of a stored (or being stored) response as its file holds it; undefined for none. */
  private async sizeOf(id: string): Promise<number | undefined> {
    if (!RESPONSE_ID.test(id)) return undefined;
    const pending = this.pending.get(id);
    if (pending) return pending.bytes;
    return (await this.loadIndex()).get(id)?.[1];
  }

  /** The directory, owner-only: made so, or narrowed when it exists wider (an older version, a restored backup). */
  private async ensureDir(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32' && ((await fs.stat(this.dir)).mode & 0o077) !== 0) await fs.chmod(this.dir, 0o700);
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private loadIndex(): Promise<Map<string, [number, number]>> {
    this.index ??= this.scan();
    return this.index;
  }

  private async scan(): Promise<Map<string, [number, number]>> {
    const index = new Map<string, [number, number]>();
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return index;
    }
    for (const name of names) {
      const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
      if (!RESPONSE_ID.test(id)) continue;
      try {
        const stat = await fs.stat(path.join(this.dir, name));
        index.set(id, [stat.mtimeMs, stat.size]);
      } catch {
        // Gone meanwhile.
      }
    }
    return index;
  }

  private async prune(index: Map<string, [number, number]>): Promise<void> {
    const oldest = [...index.entries()].sort(([, a], [, b]) => a[0] - b[0]);
    let bytes = oldest.reduce((sum, [, [, size]]) => sum + size, 0);
    let count = oldest.length;
    const cutoff = this.now() - this.limits.maxAgeMs;
    for (const [id, [createdAt, size]] of oldest) {
      if (createdAt >= cutoff && count <= this.limits.maxResponses && bytes <= this.limits.maxBytes) break;
      index.delete(id);
      await fs.rm(this.file(id), { force: true });
      count -= 1;
      bytes -= size;
    }
  }
}
