import type { RequestRecord } from '../../shared/request-record.js';

/**
 * The window's copy of the request log, kept in step by events. Bounded like
 * the core's log, so a long-open window does not grow without end.
 */

export const CAPACITY = 1000;

export class RequestStore {
  /** Insertion order is arrival order: oldest first. */
  private readonly records = new Map<string, RequestRecord>();

  get size(): number {
    return this.records.size;
  }

  get(id: string): RequestRecord | undefined {
    return this.records.get(id);
  }

  /** Adds or replaces a record; returns the ids dropped to stay within capacity. */
  upsert(record: RequestRecord): string[] {
    const known = this.records.has(record.id);
    this.records.set(record.id, record);
    if (known) return [];
    const dropped: string[] = [];
    for (const id of this.records.keys()) {
      if (this.records.size <= CAPACITY) break;
      this.records.delete(id);
      dropped.push(id);
    }
    return dropped;
  }

  reset(records: RequestRecord[]): void {
    this.records.clear();
    for (const record of [...records].sort((a, b) => a.startedAt - b.startedAt).slice(-CAPACITY)) this.records.set(record.id, record);
  }

  clear(): void {
    this.records.clear();
  }

  newestFirst(): RequestRecord[] {
    return [...this.records.values()].reverse();
  }

  models(): string[] {
    const models = new Set<string>();
    for (const record of this.records.values()) if (record.model) models.add(record.model);
    return [...models].sort();
  }
}
