import type { z } from 'zod';
import { ProxyError } from '../errors.js';

/** Turns a zod failure into a 400 that names the first offending field. */
export function validationError(error: z.ZodError): ProxyError {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
  const detail = issue?.message ?? 'Invalid request';
  const message = field ? `Invalid request: ${field}: ${detail}` : `Invalid request: ${detail}`;
  return new ProxyError('invalid_request_error', message, {
    code: 'validation_error',
    details: { ...(field ? { field } : {}), issue: detail },
  });
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/** Top-level keys present in the body that the proxy does not act on, sorted for a stable header. */
export function ignoredKeys(body: Record<string, unknown>, honoured: ReadonlySet<string>): string[] {
  return Object.keys(body)
    .filter((key) => !honoured.has(key) && body[key] !== undefined && body[key] !== null)
    .sort();
}
