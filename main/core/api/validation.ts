import type { z } from 'zod';
import { ProxyError } from '../errors.js';
import { capString, MAX_LISTED, MAX_MESSAGE_CHARS, moreCount, moreFields } from '../limits/client-strings.js';

/** Turns a zod failure into a 400 that names the first offending field. */
export function validationError(error: z.ZodError, fieldPath?: string): ProxyError {
  const issue = error.issues[0];
  const path = fieldPath ?? (issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined);
  // Paths and messages can quote the client's own keys and values: capped like every kept client string.
  const field = path === undefined ? undefined : capString(path);
  const detail = capString(issue?.message ?? 'Invalid request', MAX_MESSAGE_CHARS);
  const message = field ? `Invalid request: ${field}: ${detail}` : `Invalid request: ${detail}`;
  return new ProxyError('invalid_request_error', message, {
    code: 'validation_error',
    details: { ...(field ? { field } : {}), issue: detail },
  });
}

/** A 400 naming the field and what is wrong with it. */
export function fieldError(field: string, issue: string): ProxyError {
  return new ProxyError('invalid_request_error', `${field}: ${issue}`, { code: 'validation_error', details: { field, issue } });
}

/** One part of a body checked by its own schema; a failure names the field inside it (`messages.2.content.0.text`). */
export function parseField<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw validationError(result.error, [field, ...(issue?.path ?? []).map(String)].join('.'));
}

/** A function call's arguments (a JSON object as a string; empty means none) as a tool input, else a 400 on `field`. */
export function toolArguments(json: string, field: string): Record<string, unknown> {
  let input: unknown;
  try {
    input = JSON.parse(json === '' ? '{}' : json);
  } catch {
    input = undefined;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw fieldError(field, 'must be a JSON object encoded as a string');
  return input as Record<string, unknown>;
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/**
 * Top-level keys present in the body that the proxy does not act on, for the
 * X-Claude-Proxy-Ignored header and the request log: the first few (sorted,
 * for a stable header), then one `…and N more fields` entry, so a body with a
 * million unknown keys is not kept a million times.
 */
export function ignoredKeys(body: Record<string, unknown>, honoured: ReadonlySet<string>, max = MAX_LISTED): string[] {
  const names: string[] = [];
  let more = 0;
  for (const key of Object.keys(body)) {
    if (honoured.has(key) || body[key] === undefined || body[key] === null) continue;
    if (names.length < max) names.push(capString(key));
    else more += 1;
  }
  names.sort();
  return more > 0 ? [...names, moreFields(more)] : names;
}

/** Adds entries (tools left out, hints not passed on) before the `…and N more fields` entry, which stays last. */
export function withIgnored(keys: readonly string[], extra: Iterable<string>): string[] {
  const more = moreCount(keys.at(-1)) > 0 ? keys.slice(-1) : [];
  return [...keys.slice(0, keys.length - more.length), ...extra, ...more];
}

/** Deeper than any real request; deep enough JSON would overflow the stack of whatever walks it next. */
export const MAX_JSON_DEPTH = 128;
