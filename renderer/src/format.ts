import type { RequestRecord } from '../../shared/request-record.js';

/** How numbers and times read in the window. Pure, so they are unit-tested without a browser. */

export const DASH = '—';

const pad = (n: number) => String(n).padStart(2, '0');

export function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function dateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTime(epochMs)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function duration(ms: number | null): string {
  if (ms === null) return DASH;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1_000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${pad(Math.floor((ms % 60_000) / 1_000))}s`;
}

export function uptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad(s % 60)}s`;
  return `${s}s`;
}

export function count(n: number | null): string {
  if (n === null) return DASH;
  if (n < 10_000) return n.toLocaleString('en-US');
  if (n < 1_000_000) return `${(n / 1_000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function tokens(record: Pick<RequestRecord, 'inputTokens' | 'outputTokens'>): string {
  if (record.inputTokens === null && record.outputTokens === null) return DASH;
  return `${count(record.inputTokens)} / ${count(record.outputTokens)}`;
}

export function apiLabel(api: RequestRecord['api']): string {
  return api === 'anthropic' ? 'Anthropic' : api === 'openai' ? 'OpenAI' : api === 'responses' ? 'Responses' : 'Other';
}

/** The status chip's text and tone: what a glance at the list should tell. */
export function statusOf(record: Pick<RequestRecord, 'state' | 'status'> & { refused?: boolean | undefined }): {
  text: string;
  tone: 'live' | 'ok' | 'warn' | 'error' | 'muted';
} {
  // Turned away at the door (Host, Origin, key, token, body limit): an attempt the user should notice.
  if (record.refused) return { text: `refused ${record.status ?? ''}`.trim(), tone: 'error' };
  switch (record.state) {
    case 'in_progress':
      return { text: 'live', tone: 'live' };
    case 'cancelled':
      return { text: 'cancelled', tone: 'muted' };
    case 'done':
    case 'failed': {
      const status = record.status;
      if (status === null) return { text: record.state === 'done' ? 'done' : 'failed', tone: record.state === 'done' ? 'ok' : 'error' };
      return { text: String(status), tone: status < 400 ? 'ok' : status < 500 ? 'warn' : 'error' };
    }
  }
}

export function stateLabel(state: RequestRecord['state']): string {
  return state === 'in_progress' ? 'In progress' : state === 'done' ? 'Done' : state === 'failed' ? 'Failed' : 'Cancelled';
}

/** Dollars at API rates: cents for sums, more digits for the small cost of one request. */
export function money(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return DASH;
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** Time left until `at`: "2h 05m", "3d 4h", "45s"; "now" once passed. */
export function countdown(at: number, now: number): string {
  const seconds = Math.floor((at - now) / 1000);
  return seconds <= 0 ? 'now' : uptime(seconds);
}
