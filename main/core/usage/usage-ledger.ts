import type { RequestRecord } from '../../../shared/request-record.js';
import type { UsagePeriod, UsageSum, UsageTotals } from '../../../shared/usage.js';
import { clientName } from './client-name.js';

/**
 * Sums what the proxy's chat requests spent, per local day, client and model,
 * for the last 30 days. It is built from the request history when the proxy
 * starts, then told of every request as it finishes, so its totals survive a
 * restart (as far as the history reaches back). Only sums are kept: one
 * bucket per day, client and model, never the records themselves.
 */

export const LEDGER_DAYS = 30;

interface Bucket extends UsageSum {
  day: string;
  client: string;
  model: string;
}

export class UsageLedger {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A finished request; in-progress, refused and non-chat requests are not counted. */
  add(record: RequestRecord): void {
    if (record.state === 'in_progress' || record.refused || record.model === null) return;
    const day = dayKey(record.startedAt);
    if (day < dayKey(dayStart(this.now(), LEDGER_DAYS - 1))) return;
    const client = record.client ?? clientName(record.userAgent);
    const model = record.modelUsed ?? record.model;
    const key = JSON.stringify([day, client, model]);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { day, client, model, ...emptySum() }));
    addTo(bucket, sumOf(record));
  }

  totals(): UsageTotals {
    const now = this.now();
    const days = Array.from({ length: LEDGER_DAYS }, (_, back) => dayKey(dayStart(now, LEDGER_DAYS - 1 - back)));
    // Days that fell out of the window are dropped here, so the ledger never grows past 30 days of buckets.
    for (const [key, bucket] of this.buckets) if (bucket.day < days[0]!) this.buckets.delete(key);
    const buckets = [...this.buckets.values()];
    const period = (fromDay: string) => periodOf(buckets.filter((bucket) => bucket.day >= fromDay));
    return {
      generatedAt: now,
      today: period(days.at(-1)!),
      last7Days: period(days.at(-7)!),
      last30Days: period(days[0]!),
      daily: days.map((date) => ({ date, ...sumAll(buckets.filter((bucket) => bucket.day === date)) })),
    };
  }
}

function emptySum(): UsageSum {
  return { requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
}

/** `inputTokens` in a record counts cached input too; here it is split so the four token counts add up. */
function sumOf(record: RequestRecord): UsageSum {
  const cacheRead = record.cacheReadTokens ?? 0;
  const cacheWrite = record.cacheWriteTokens ?? 0;
  return {
    requests: 1,
    inputTokens: Math.max(0, (record.inputTokens ?? 0) - cacheRead - cacheWrite),
    outputTokens: record.outputTokens ?? 0,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    costUsd: record.costUsd ?? 0,
  };
}

function addTo(target: UsageSum, sum: UsageSum): void {
  target.requests += sum.requests;
  target.inputTokens += sum.inputTokens;
  target.outputTokens += sum.outputTokens;
  target.cacheReadTokens += sum.cacheReadTokens;
  target.cacheWriteTokens += sum.cacheWriteTokens;
  target.costUsd += sum.costUsd;
}

function sumAll(buckets: readonly UsageSum[]): UsageSum {
  const total = emptySum();
  for (const bucket of buckets) addTo(total, bucket);
  // Float sums of many small costs drift in the last digits; a millionth of a dollar is the CLI's own precision.
  total.costUsd = Math.round(total.costUsd * 1e6) / 1e6;
  return total;
}

function periodOf(buckets: readonly Bucket[]): UsagePeriod {
  const group = (key: 'client' | 'model') => {
    const groups = new Map<string, Bucket[]>();
    for (const bucket of buckets) groups.set(bucket[key], [...(groups.get(bucket[key]) ?? []), bucket]);
    return [...groups]
      .map(([name, members]) => ({ name, ...sumAll(members) }))
      .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests);
  };
  return {
    ...sumAll(buckets),
    byClient: group('client').map(({ name, ...sum }) => ({ client: name, ...sum })),
    byModel: group('model').map(({ name, ...sum }) => ({ model: name, ...sum })),
  };
}

/** Local midnight `back` days before the day of `now`. */
function dayStart(now: number, back: number): number {
  const date = new Date(now);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() - back).getTime();
}

/** The local date, YYYY-MM-DD: sorts as it reads. */
export function dayKey(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
