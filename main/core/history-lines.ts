import { requestRecordSchema, type RequestRecord } from '../../shared/request-record.js';
import { capRecord } from './limits/client-strings.js';
import { redact } from './logger.js';

/**
 * History's lines: how a record is written (capped, redacted, bounded in
 * size) and how a file of them is read back (torn and invalid lines counted,
 * never thrown).
 */

/** The longest line written: far above a capped record's metadata, below two kept bodies at their worst. */
export const MAX_LINE_BYTES = 256 * 1024;

export interface ParsedHistory {
  records: RequestRecord[];
  /** Complete lines that are not a valid record (blank lines do not count). */
  invalidLines: number;
  /** Text after the last newline: none, a whole record that lost its newline, or a broken fragment. */
  tail: 'none' | 'valid' | 'invalid';
  /** Bytes up to and including the last newline. */
  completeBytes: number;
}

export function parseHistory(buffer: Buffer): ParsedHistory {
  // Split on the byte, so a multi-byte character cut by a crash cannot shift the truncation point.
  const completeBytes = buffer.lastIndexOf(0x0a) + 1;
  const records: RequestRecord[] = [];
  let invalidLines = 0;
  for (const line of buffer.subarray(0, completeBytes).toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = parseLine(line);
    if (record) records.push(record);
    else invalidLines += 1;
  }
  const rest = buffer.subarray(completeBytes).toString('utf8');
  let tail: ParsedHistory['tail'] = 'none';
  if (rest.trim() !== '') {
    const record = parseLine(rest);
    if (record) records.push(record);
    tail = record ? 'valid' : 'invalid';
  }
  return { records, invalidLines, tail, completeBytes };
}

function parseLine(line: string): RequestRecord | undefined {
  try {
    const parsed = requestRecordSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** One record as its history line: capped, redacted, and at most MAX_LINE_BYTES. */
export function historyLine(record: RequestRecord): string {
  const kept = redactRecord(capRecord(record));
  // A tool call's arguments are the model's words: kept on disk only when bodies are (`logBodies`).
  const capped = kept.requestBody === null ? { ...kept, toolCalls: kept.toolCalls.map((call) => ({ ...call, input: '' })) } : kept;
  const line = `${JSON.stringify(capped)}\n`;
  if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return line;
  const note = `[left out of history: the record was over ${MAX_LINE_BYTES} bytes]`;
  return `${JSON.stringify({ ...capped, requestBody: capped.requestBody === null ? null : note, responseText: capped.responseText === null ? null : note })}\n`;
}

/**
 * Masks credentials in every string of a record. Values only: the record's
 * field names are fixed and none of them names a credential, while a name
 * rule could blank a count such as `inputTokens`.
 */
export function redactRecord(record: RequestRecord): RequestRecord {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, redact(value)])) as RequestRecord;
}
