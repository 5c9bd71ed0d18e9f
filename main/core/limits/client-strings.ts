import type { RequestRecord } from '../../../shared/request-record.js';

/**
 * Caps for every string a client can make the proxy keep: model names, field
 * names, headers, paths and error text that quotes them. They land in the
 * request log (memory), its event stream (every open window) and history
 * (disk), so each one is cut to a length, each list to a count, and what was
 * cut is said in place: `…(+N chars)`, `…and N more fields`.
 */

/** One name or header value (model, user agent, path, a field name). */
export const MAX_NAME_CHARS = 256;
/** An error message, which may quote a name. */
export const MAX_MESSAGE_CHARS = 1024;
/** Field names kept of one list (ignored body fields). */
export const MAX_LISTED = 64;
/** A request body or answer text kept with `logBodies` on. */
export const MAX_BODY_CHARS = 64 * 1024;

const CUT = /…\(\+(\d+) chars\)$/;

/** The first `max` characters and a note of how many were cut; a value capped before is left as it is. */
export function capString(value: string, max = MAX_NAME_CHARS): string {
  if (value.length <= max) return value;
  const cut = CUT.exec(value.slice(-32));
  if (cut && value.length - cut[0].length <= max) return value;
  return `${value.slice(0, max)}…(+${value.length - max} chars)`;
}

const MORE = /^…and (\d+) more fields?$/;

export function moreFields(count: number): string {
  return `…and ${count} more field${count === 1 ? '' : 's'}`;
}

/** How many fields a list's closing `…and N more fields` entry stands for (0 without one). */
export function moreCount(entry: string | undefined): number {
  const count = entry === undefined ? undefined : MORE.exec(entry)?.[1];
  return count === undefined ? 0 : Number(count);
}

/** The first `max` entries, each capped, then one `…and N more fields` entry for the rest. */
export function capList(values: readonly string[], max = MAX_LISTED): string[] {
  const more = moreCount(values.at(-1));
  const names = more > 0 ? values.slice(0, -1) : values;
  const kept = names.slice(0, max).map((value) => capString(value));
  const cut = names.length - kept.length + more;
  return cut > 0 ? [...kept, moreFields(cut)] : kept;
}

const NAME_FIELDS = ['clientIp', 'method', 'path', 'model', 'stopReason', 'userAgent', 'client', 'modelUsed'] as const;
const BODY_FIELDS = ['requestBody', 'responseText'] as const;

/** A record (or a change to one) with every client-reachable string capped, for the log, events and history. */
export function capRecord<T extends Partial<RequestRecord>>(record: T): T {
  const capped: Partial<RequestRecord> = { ...record };
  for (const field of NAME_FIELDS) {
    const value = capped[field];
    if (typeof value === 'string') capped[field] = capString(value);
  }
  for (const field of BODY_FIELDS) {
    const value = capped[field];
    if (typeof value === 'string') capped[field] = capString(value, MAX_BODY_CHARS);
  }
  if (capped.error) {
    capped.error = {
      type: capString(capped.error.type),
      code: capString(capped.error.code),
      message: capString(capped.error.message, MAX_MESSAGE_CHARS),
    };
  }
  if (capped.ignored) capped.ignored = capList(capped.ignored);
  return capped as T;
}

/**
 * The X-Claude-Proxy-Ignored header: only plain names are named (a header
 * cannot carry newlines or non-Latin-1 text, and must stay short); the rest
 * are counted, with those a capped list already left out.
 */
export function ignoredHeader(fields: readonly string[]): string {
  const more = moreCount(fields.at(-1));
  const names = more > 0 ? fields.slice(0, -1) : fields;
  const plain = names.filter((field) => /^[A-Za-z0-9_.-]{1,64}$/.test(field)).slice(0, 32);
  const others = names.length - plain.length + more;
  return [...plain, ...(others > 0 ? [`(${others} other field${others === 1 ? '' : 's'})`] : [])].join(', ');
}
