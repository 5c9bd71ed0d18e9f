import type { RequestRecord } from '../../../shared/request-record.js';
import type { UsagePeriod, UsageSum, UsageTotals } from '../../../shared/usage.js';
import { clientName } from './client-name.js';

/**
 * Sums what the proxy's chat requests spent, per local day, client and model,
 * for the last 30 days. It is built from the request history when the proxy
 * starts, then told of every request as it finishes, so its totals survive a
 * restart (as far as the history reaches back). Only sums are kept: one
 * bucket per day, client and model, never the records themselves.
 *
 * Bounds: client names come from the User-Agent and models from the request,
 * so a caller can invent any number of them. A day keeps at most
 * MAX_BUCKETS_PER_DAY buckets (later new client/model pairs are summed into
 * one `other`/`other` bucket), and an answer lists at most MAX_ROWS clients
 * and models per period, the largest by cost then requests, with the rest
 * summed into a last `other` row. Totals are computed on demand and kept until
 * the next counted request or the next day, so asking again is free; the tray
 * asks only for today's period, which reads one day's buckets.
 */

export const LEDGER_DAYS = 30;
/** Clients or models listed per period; the rest are summed into one `other` row. */
export const MAX_ROWS = 50;
/** Distinct client/model pairs kept per day. */
export const MAX_BUCKETS_PER_DAY = 1_000;
export const OTHER = 'other';

interface Bucket extends UsageSum {
  client: string;
  model: string;
}

export class UsageLedger {
  /** Day (YYYY-MM-DD) → client/model key → bucket. */
  private readonly days = new Map<string, Map<string, Bucket>>();
  private cached: UsageTotals | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** A finished request; in-progress, refused and non-chat requests are not counted. */
  add(record: RequestRecord): void {
    if (record.state === 'in_progress' || record.refused || record.model === null) return;
    const day = dayKey(record.startedAt);
    if (day < dayKey(dayStart(this.now(), LEDGER_DAYS - 1))) return;
    let buckets = this.days.get(day);
    if (!buckets) {
      this.days.set(day, (buckets = new Map<string, Bucket>()));
      this.prune();
    }
    let client = record.client ?? clientName(record.userAgent);
    let model = record.modelUsed ?? record.model;
    let key = JSON.stringify([client, model]);
    if (!buckets.has(key) && buckets.size >= MAX_BUCKETS_PER_DAY) {
      [client, model] = [OTHER, OTHER];
      key = JSON.stringify([client, model]);
    }
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = { client, model, ...emptySum() }));
    addTo(bucket, sumOf(record));
    this.cached = undefined;
  }

  totals(): UsageTotals {
    const now = this.now();
    const days = Array.from({ length: LEDGER_DAYS }, (_, back) => dayKey(dayStart(now, LEDGER_DAYS - 1 - back)));
    if (this.cached && dayKey(this.cached.generatedAt) === days.at(-1)) return this.cached;
    this.prune();
    const since = (fromDay: string) => days.filter((day) => day >= fromDay).flatMap((day) => this.bucketsOf(day));
    this.cached = {
      generatedAt: now,
      today: periodOf(this.bucketsOf(days.at(-1)!)),
      last7Days: periodOf(since(days.at(-7)!)),
      last30Days: periodOf(since(days[0]!)),
      daily: days.map((date) => ({ date, ...sumAll(this.bucketsOf(date)) })),
    };
    return this.cached;
  }

  /** Today's period alone: one day's buckets, for the tray, which asks after every turn. */
  today(): UsagePeriod {
    return this.cached && dayKey(this.cached.generatedAt) === dayKey(this.now())
      ? this.cached.today
      : periodOf(this.bucketsOf(dayKey(this.now())));
  }

  /** Drops days that fell out of the window (on every new day and every full read), so the ledger never holds more than 30. */
  private prune(): void {
    const first = dayKey(dayStart(this.now(), LEDGER_DAYS - 1));
    for (const day of this.days.keys()) if (day < first) this.days.delete(day);
  }

  private bucketsOf(day: string): Bucket[] {
    return [...(this.days.get(day)?.values() ?? [])];
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

/** Float sums of many small costs drift in the last digits; a millionth of a dollar is the CLI's own precision. */
function rounded(sum: UsageSum): UsageSum {
  return { ...sum, costUsd: Math.round(sum.costUsd * 1e6) / 1e6 };
}

function sumAll(buckets: readonly UsageSum[]): UsageSum {
  const total = emptySum();
  for (const bucket of buckets) addTo(total, bucket);
  return rounded(total);
}

function periodOf(buckets: readonly Bucket[]): UsagePeriod {
  return {
    ...sumAll(buckets),
    byClient: largest(buckets, 'client').map(({ name, ...sum }) => ({ client: name, ...sum })),
    byModel: largest(buckets, 'model').map(({ name, ...sum }) => ({ model: name, ...sum })),
  };
}

/** Sums per client or model, the MAX_ROWS largest by cost then requests, then one `other` row for the rest. */
function largest(buckets: readonly Bucket[], key: 'client' | 'model'): (UsageSum & { name: string })[] {
  const groups = new Map<string, UsageSum>();
  for (const bucket of buckets) {
    let sum = groups.get(bucket[key]);
    if (!sum) groups.set(bucket[key], (sum = emptySum()));
    addTo(sum, bucket);
  }
  // A name that is itself `other` (an unreadable User-Agent, a folded bucket) joins the rest rather than a row of its own.
  const rest = groups.get(OTHER) ?? emptySum();
  groups.delete(OTHER);
  const rows = [...groups]
    .map(([name, sum]) => ({ name, ...sum }))
    .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || (a.name < b.name ? -1 : 1));
  for (const row of rows.slice(MAX_ROWS)) addTo(rest, row);
  const top = rows.slice(0, MAX_ROWS).map(({ name, ...sum }) => ({ name, ...rounded(sum) }));
  return rest.requests > 0 ? [...top, { name: OTHER, ...rounded(rest) }] : top;
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
