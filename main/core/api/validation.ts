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

/** Deeper than any real request; deep enough JSON would overflow the stack of whatever walks it next. */
export const MAX_JSON_DEPTH = 128;

/** Refuses JSON nested deeper than `maxDepth`, walking it without recursion. */
export function assertDepth(value: unknown, maxDepth = MAX_JSON_DEPTH): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) {
      throw new ProxyError('invalid_request_error', `Invalid request: JSON nested deeper than ${maxDepth} levels`, {
        code: 'validation_error',
        details: { issue: `nested deeper than ${maxDepth} levels` },
      });
    }
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
}
