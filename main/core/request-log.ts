import { EventEmitter } from 'node:events';
import type { RequestRecord } from '../../shared/request-record.js';
import { capRecord } from './limits/client-strings.js';

/**
 * The live request log: a bounded buffer of the most recent requests, newest
 * last, with an event per change so the window (or any listener) follows
 * requests as they stream. Records hold metadata only, and every string a
 * client chose is capped on the way in (limits/client-strings.ts), so what the
 * log, its events and history keep stays bounded.
 */

export interface RequestLogEvents {
  added: [RequestRecord];
  updated: [RequestRecord];
  cleared: [];
}

export class RequestLog extends EventEmitter<RequestLogEvents> {
  private readonly records = new Map<string, RequestRecord>();

  constructor(private readonly capacity = 1000) {
    super();
  }

  add(added: RequestRecord): RequestRecord {
    const record = capRecord(added);
    this.records.set(record.id, record);
    this.trim();
    this.emit('added', { ...record });
    return record;
  }

  /** Earlier requests (from history, oldest first) go before the live ones, without events; the newest are kept. */
  seed(records: readonly RequestRecord[]): void {
    const live = [...this.records.values()];
    this.records.clear();
    for (const record of records) this.records.set(record.id, capRecord({ ...record }));
    for (const record of live) {
      this.records.delete(record.id);
      this.records.set(record.id, record);
    }
    this.trim();
  }

  private trim(): void {
    while (this.records.size > this.capacity) {
      const oldest = this.records.keys().next().value as string;
      this.records.delete(oldest);
    }
  }

  update(id: string, patch: Partial<Omit<RequestRecord, 'id'>>): void {
    const record = this.records.get(id);
    if (!record) return;
    Object.assign(record, capRecord(patch));
    this.emit('updated', { ...record });
  }

  get(id: string): RequestRecord | undefined {
    const record = this.records.get(id);
    return record && { ...record };
  }

  list(): RequestRecord[] {
    return [...this.records.values()].map((record) => ({ ...record }));
  }

  clear(): void {
    this.records.clear();
    this.emit('cleared');
  }
}
