import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Next } from 'koa';
import getRawBody from 'raw-body';
import { MAX_JSON_DEPTH } from '../api/validation.js';
import { ProxyError } from '../errors.js';
import type { ProxyContext } from './context.js';

/**
 * Reads a JSON object body into `ctx.state.body`. What it refuses, and how:
 * over the limit 413 (counted after decompression), an unknown
 * Content-Encoding 415, not JSON 400, not an object or nested too deep 400,
 * and a body that cannot be read at all (a broken gzip stream, an aborted
 * upload) 400 too.
 *
 * Depth and the number of values are checked on the text before it is
 * parsed: one linear pass, so a body nested millions of levels deep, or a few
 * MB of `[{},{},…]` (which JSON.parse and validation would blow up into
 * gigabytes), is refused without being built first.
 * Parse errors give a position only: the engine's own messages quote the
 * body, which is the prompt and must not reach the log with `logBodies` off.
 */
export function jsonBody(limitBytes: () => number) {
  return async (ctx: ProxyContext, next: Next) => {
    const bytes = await readBytes(ctx, limitBytes());
    assertJsonShape(bytes);
    const body = parseJson(bytes.toString('utf8'));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalidBody('Request body must be a JSON object', 'body is not a JSON object');
    }
    ctx.state.body = body;
    await next();
  };
}

const DECODERS: Record<string, (() => zlib.Gzip | zlib.Inflate | zlib.BrotliDecompress) | undefined> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

async function readBytes(ctx: ProxyContext, limit: number): Promise<Buffer> {
  const encoding = (ctx.get('Content-Encoding') || 'identity').trim().toLowerCase();
  let stream: Readable = ctx.req;
  let length: string | undefined = ctx.get('Content-Length') || undefined;
  if (encoding !== 'identity') {
    const decoder = DECODERS[encoding];
    if (!decoder)
      throw new ProxyError('unsupported_media_type', 'Unsupported Content-Encoding', {
        code: 'unsupported_media_type',
        details: { field: 'Content-Encoding', issue: 'use gzip, deflate, br or none' },
      });
    // pipeline, not pipe: an aborted upload must fail the decoder too, or the read would wait forever.
    stream = pipeline(ctx.req, decoder(), () => undefined);
    length = undefined;
  }
  try {
    // Bytes, not text: one copy fewer of a large body, and the depth scan reads bytes.
    return await getRawBody(stream, { limit, length });
  } catch (error) {
    const status = (error as { status?: unknown; type?: unknown })?.status;
    if (status === 413)
      throw new ProxyError('request_too_large', 'Request body is larger than the configured limit', { code: 'body_too_large' });
    throw invalidBody(`Malformed request: the body could not be read (${describeReadError(error)})`, 'unreadable body');
  }
}

/** raw-body's and zlib's messages name the failure, never the content. */
function describeReadError(error: unknown): string {
  const type = (error as { type?: unknown })?.type;
  if (type === 'request.aborted') return 'the upload was aborted';
  if (type === 'request.size.invalid') return 'it does not match Content-Length';
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'unknown error';
}

function parseJson(text: string): unknown {
  // An empty body is an empty object, as before: validation then names what is missing.
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw invalidBody(`Malformed request: the body is not valid JSON${at ? ` (at position ${at})` : ''}`, 'invalid JSON');
  }
}

/**
 * The most objects, arrays and array elements one body may hold. Each is a
 * heap object to JSON.parse and a value (or an issue) to validation: 32 MB of
 * `[{},{},…]` cost 714 MB to parse, and 1M empty messages 1.3 GB in
 * validation. Real bodies stay far below: a long agent conversation or Claude
 * Code's tool schemas hold thousands, and a big image is one string. Members
 * of an object with plain values are not counted: a million unknown keys
 * costs little (the memory-flood test) and is answered as ignored fields.
 */
export const MAX_JSON_VALUES = 100_000;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;

/**
 * Refuses JSON nested deeper than `maxDepth`, or holding more than
 * `maxValues` objects, arrays and array elements, by counting `[`, `{` and
 * commas inside arrays outside strings, on the UTF-8 bytes (every byte of a
 * multi-byte character is 0x80 or above, so none is mistaken for one of
 * these). Unbalanced or invalid text is left for the parser to refuse.
 */
export function assertJsonShape(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxValues = MAX_JSON_VALUES): void {
  // Which container is open at each depth: a comma counts as a value only inside an array.
  const open = new Uint8Array(maxDepth + 1);
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index += 1) {
    const byte = bytes[index]!;
    if (inString) {
      if (byte === 0x5c) index += 1;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) throw shapeError(`nested deeper than ${maxDepth} levels`, `JSON nested deeper than ${maxDepth} levels`);
      open[depth] = byte;
      values += 1;
    } else if (byte === 0x7d || byte === 0x5d) {
      depth -= 1;
    } else if (byte === 0x2c && depth > 0 && open[depth] === OPEN_ARRAY) {
      values += 1;
    }
    if (values > maxValues)
      throw shapeError(
        `more than ${maxValues} JSON values`,
        `the body holds more than ${maxValues} JSON values (objects, arrays and array elements)`,
      );
  }
}

function shapeError(issue: string, what: string): ProxyError {
  return new ProxyError('invalid_request_error', `Invalid request: ${what}`, { code: 'validation_error', details: { issue } });
}

function invalidBody(message: string, issue: string): ProxyError {
  return new ProxyError('invalid_request_error', message, { code: 'invalid_body', details: { issue } });
}
