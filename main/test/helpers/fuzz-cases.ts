import zlib from 'node:zlib';

/**
 * The fuzz's generator: hostile and malformed requests, byte for byte, from a
 * seeded PRNG so that any failure can be replayed (FUZZ_SEED).
 */

// ---------------------------------------------------------------- seeded generation

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

/** JSON text spliced in verbatim: literals JSON.stringify cannot write (NaN, 1e309, duplicate or `__proto__` keys). */
class Raw {
  constructor(readonly text: string) {}
}
type Value = Raw | null | boolean | number | string | Value[] | { [key: string]: Value };

function toJson(value: Value): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

const deepArray = (n: number) => new Raw('['.repeat(n) + ']'.repeat(n));
const deepObject = (n: number) => new Raw('{"a":'.repeat(n) + '1' + '}'.repeat(n));

const RAW_LITERALS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1e309',
  '-0',
  '1e-400',
  '0x10',
  '01',
  '.5',
  '+1',
  '9'.repeat(400),
  'undefined',
  "'single'",
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"\\u0000"',
  '"\\x41"',
  '"unterminated',
  '[1,]',
  '{,}',
  '{"a":1 "b":2}',
  'tru',
  'nul',
  '/* c */ 1',
  '-',
  '""',
];

function weird(rng: Rng): Value {
  switch (rng.int(7)) {
    case 0:
      return new Raw(rng.pick(RAW_LITERALS));
    case 1:
      return rng.pick([null, true, false, 0, -1, 1.5, 2 ** 53 + 1, 1e21, -1e21, 4294967296]);
    case 2:
      return rng.pick([
        '',
        ' ',
        'sonnet',
        'gpt-4o',
        'claude-',
        'claude-' + 'x'.repeat(200),
        '\u0000',
        '\u202e\u0007',
        '😀'.repeat(50),
        '--model=opus',
        '$(id)',
        'x'.repeat(rng.int(4000)),
      ]);
    case 3:
      return rng.pick<Value>([[], [null], [[]], [1, 'a', {}], ['x'.repeat(100)]]);
    case 4:
      return rng.pick<Value>([{}, { type: 'text' }, { type: 'text', text: 1 }, { role: 'user' }, { length: 1e9 }, { toString: 'x' }]);
    case 5:
      return rng.pick([deepArray(rng.pick([64, 1000, 10_000])), deepObject(rng.pick([64, 1000, 10_000]))]);
    default:
      return new Raw(
        rng.pick(['{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"prototype":{"polluted":1}}']),
      );
  }
}

type Api = 'anthropic' | 'openai' | 'count' | 'responses';
const POST_PATHS: Record<string, Api> = {
  '/v1/messages': 'anthropic',
  '/v1/messages/count_tokens': 'count',
  '/v1/chat/completions': 'openai',
  '/openai/v1/chat/completions': 'openai',
  '/v1/responses': 'responses',
  '/openai/v1/responses': 'responses',
};
const GET_PATHS = [
  '/v1/models',
  '/openai/v1/models',
  '/v1/models/sonnet',
  '/openai/v1/models/claude-3-5-sonnet-20241022',
  '/v1/models/gpt-4o',
  '/health',
];

function baseBody(api: Api, id: number): { [key: string]: Value } {
  const content = `ECHO:fuzz-${id}`;
  if (api === 'responses') return { model: 'sonnet', max_output_tokens: 16, store: false, input: [{ role: 'user', content }] };
  return api === 'openai'
    ? { model: 'sonnet', max_tokens: 16, messages: [{ role: 'user', content }] }
    : { model: 'sonnet', max_tokens: 16, messages: [{ role: 'user', content: [{ type: 'text', text: content }] }] };
}

const FIELD_PATHS = [
  'model',
  'messages',
  'messages.0',
  'messages.0.role',
  'messages.0.content',
  'messages.0.content.0',
  'messages.0.content.0.type',
  'messages.0.content.0.text',
  'max_tokens',
  'max_completion_tokens',
  'stream',
  'stop',
  'stop_sequences',
  'system',
  'thinking',
  'thinking.budget_tokens',
  'n',
  'stream_options',
  'stream_options.include_usage',
  'metadata',
  'temperature',
  'tools',
  'tools.0',
  'tools.0.name',
  'tools.0.input_schema',
  'tools.0.function.parameters',
  'tool_choice',
  'response_format',
  'output_config.format.schema',
  'input',
  'input.0',
  'input.0.content',
  'instructions',
  'previous_response_id',
  'text.format',
  'reasoning.effort',
  'store',
  'x-unknown',
];

/** Sets `path` (dots) in a copy of `body`, creating objects on the way. */
function setPath(body: { [key: string]: Value }, path: string, value: Value): { [key: string]: Value } {
  const copy = JSON.parse(JSON.stringify(body)) as { [key: string]: Value };
  const keys = path.split('.');
  let at: Value = copy;
  for (const key of keys.slice(0, -1)) {
    const holder = at as { [key: string]: Value };
    if (holder[key] === null || typeof holder[key] !== 'object' || holder[key] instanceof Raw) holder[key] = {};
    at = holder[key]!;
  }
  (at as { [key: string]: Value })[keys.at(-1)!] = value;
  return copy;
}

const BLOCKS: Value[] = [
  { type: 'image', source: { type: 'base64', media_type: 'image/png', data: '%%%not base64' } },
  { type: 'image', source: { type: 'base64', media_type: 'image/tiff', data: 'AAAA' } },
  { type: 'image', source: { type: 'url', url: 'http://169.254.169.254/latest/meta-data' } },
  { type: 'image_url', image_url: { url: 'file:///etc/passwd' } },
  { type: 'image_url', image_url: { url: 'data:image/svg+xml;base64,PHN2Zz4=' } },
  { type: 'image_url', image_url: 'data:image/png;base64,AAAA' },
  { type: 'tool_use', id: 'toolu_1', name: 'x', input: { a: [1, { b: null }] } },
  { type: 'tool_use', id: 'toolu_2', name: 'x', input: deepArray(10_000) },
  { type: 'tool_use', id: 1, name: null, input: 'x' },
  { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image' }, { type: 7 }] },
  { type: 'thinking', thinking: 'hm', signature: 'sig' },
  { type: 'redacted_thinking', data: 'x' },
  { type: 'document', source: { type: 'text', data: 'x' } },
  { type: 'text', text: ['a'] },
  { type: 'text' },
  { text: 'no type' },
  'bare string',
  null,
];

const ROLES: Value[] = ['system', 'developer', 'assistant', 'tool', 'function', 'robot', '', null, 1, ['user'], 'USER'];

/** A body for one POST endpoint, and the exact status when it is certain. */
function postBody(rng: Rng, api: Api, id: number, maxBody: number): { family: string; text: string | Buffer; expect?: number } {
  const base = baseBody(rng.chance(0.15) ? rng.pick<Api>(['anthropic', 'openai', 'responses']) : api, id);
  const text = toJson(base);
  switch (rng.int(12)) {
    case 0:
    case 1:
      return { family: 'field', text: toJson(setPath(base, rng.pick(FIELD_PATHS), weird(rng))) };
    case 2: {
      const content = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(BLOCKS));
      return { family: 'block', text: toJson(setPath(base, 'messages.0.content', content)) };
    }
    case 3: {
      const messages = rng.pick<Value>([
        [],
        [{ role: rng.pick(ROLES), content: 'x' }],
        [{ role: 'system', content: 'only system' }],
        [{ role: 'user', content: '' }],
        [{ role: 'user', content: [] }],
        [{ role: 'user', content: null }],
        [{ role: 'user' }],
        [
          { role: 'user', content: 'ECHO:a' },
          { role: 'assistant', content: 'prefill' },
        ],
        Array.from({ length: 200 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` })),
        [{ role: 'user', content: 'x', tool_calls: [{ function: { name: 1, arguments: {} } }] }],
      ]);
      return { family: 'messages', text: toJson(setPath(base, api === 'responses' ? 'input' : 'messages', messages)) };
    }
    case 4: {
      const cut = rng.int(text.length);
      const junk = rng.pick(RAW_LITERALS);
      const variants = [
        text.slice(0, cut),
        text.slice(0, cut) + junk + text.slice(cut),
        `${text}${junk}`,
        `${text}${text}`,
        '',
        ' \n\t',
        `\uFEFF${text}`,
        text.replace(/:/, '::'),
      ];
      return { family: 'syntax', text: rng.pick(variants) };
    }
    case 5:
      return {
        family: 'toplevel',
        text: toJson(
          rng.pick<Value>(
            ['[]', '"s"', '1', 'null', 'true', `[${text}]`].map((t) => new Raw(t)).concat([deepArray(10_000), deepObject(10_000)]),
          ),
        ),
      };
    case 6: {
      const where = rng.pick([
        'metadata',
        'messages',
        'messages.0.content',
        'messages.0.content.0',
        'system',
        'stop_sequences',
        'stop',
        'x-deep',
        'stream_options',
      ]);
      return { family: 'deep', text: toJson(setPath(base, where, rng.chance(0.5) ? deepArray(10_000) : deepObject(10_000))) };
    }
    case 7: {
      const field = rng.pick(['max_tokens', 'max_completion_tokens', 'n', 'thinking.budget_tokens', 'temperature', 'stream']);
      const literal = rng.pick(['1e309', '-0', 'NaN', '-1', '0', '1.5', '1e15', '9007199254740993', '1e-7', '-1e309', '"16"', 'true']);
      return { family: 'numbers', text: toJson(setPath(base, field, new Raw(literal))) };
    }
    case 8: {
      const inner = text.slice(1);
      const key = rng.pick([
        '"__proto__":{"polluted":1}',
        '"constructor":{"prototype":{"polluted":1}}',
        '"__proto__":null',
        '"prototype":{"polluted":1}',
      ]);
      const spliced = rng.chance(0.5) ? `{${key},${inner}` : text.replace('{"role"', `{${key},"role"`);
      return { family: 'proto', text: spliced };
    }
    case 9: {
      const dup = rng.pick(['"model":{"id":1}', '"messages":"x"', '"stream":"yes"', '"model":"sonnet"', '"max_tokens":-5']);
      return { family: 'dupkeys', text: rng.chance(0.5) ? `{${dup},${text.slice(1)}` : `${text.slice(0, -1)},${dup}}` };
    }
    case 10: {
      const size = rng.pick([maxBody + 1, 1024 * 1024, 150 * 1024]);
      const where = rng.pick(['model', 'metadata', 'stop_sequences', 'messages.0.role', 'system']);
      const value: Value = where === 'stop_sequences' ? ['x'.repeat(size)] : 'x'.repeat(size);
      return { family: 'huge', text: toJson(setPath(base, where, value)), ...(size > maxBody ? { expect: 413 } : {}) };
    }
    default: {
      const bytes = Buffer.from(text);
      const bad = rng.pick([
        [0xff],
        [0xfe, 0xff],
        [0xc3, 0x28],
        [0xed, 0xa0, 0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0xc0, 0xaf],
        [0x80],
        [0xe2, 0x82],
      ]);
      const at = rng.chance(0.5) ? bytes.indexOf('fuzz-') : rng.int(bytes.length);
      return { family: 'utf8', text: Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]) };
    }
  }
}

export interface FuzzCase {
  id: number;
  family: string;
  method: string;
  target: string;
  /** Extra header lines; Host, Connection and Content-Length are added unless `ownFraming`. */
  headers: string[];
  body: Buffer;
  /** The case frames the body itself (chunked) and sends no Content-Length. */
  ownFraming?: boolean;
  /** The body before chunked framing. */
  payload?: Buffer;
  hostHeader?: string;
  cutAt?: number;
  expect?: number;
}

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json; charset=latin1',
  'application/json;;;',
];
const OTHER_TYPES = [
  'text/json',
  'application/json-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/*',
  '*/*',
  'application/jsonx',
  'application/json, text/plain',
];
const ALLOWED_HOSTS = (port: number) => [
  `127.0.0.1:${port}`,
  `localhost:${port}`,
  `[::1]:${port}`,
  '127.0.0.1',
  `127.9.8.7:${port}`,
  `app.localhost:${port}`,
];
const BAD_HOSTS = [
  'evil.com',
  '127.0.0.1.evil.com',
  'localhost.evil.com',
  'attacker.example:80',
  '0.0.0.0',
  '10.0.0.1',
  '[::ffff:127.0.0.1]',
  '127.1',
];
const BAD_ORIGINS = (port: number) => [
  'null',
  'http://localhost:1',
  `https://127.0.0.1:${port}`,
  `http://127.0.0.1:${port}.evil.com`,
  'https://evil.example',
  'file://',
];

function chunked(body: Buffer, rng: Rng): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const size = Math.min(body.length - at, 1 + rng.int(4096));
    parts.push(Buffer.from(`${size.toString(16)}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
}

function oddTarget(rng: Rng): string {
  const path = rng.pick([
    ...GET_PATHS,
    '/v1/models/',
    '/V1/MODELS',
    '//v1/models',
    '/v1/models/%E0%A4%A',
    '/v1/models/..%2F..%2Fetc%2Fpasswd',
    '/v1/models/%00',
    '/v1/models/__proto__',
    '/v1/models/constructor',
    `/v1/models/${'a'.repeat(rng.int(6000))}`,
    '/v1/embeddings',
    '/v1',
    '/',
    '/openai',
    '/HEALTH',
    '/health/',
  ]);
  const query = rng.pick([
    '',
    '?',
    '?limit=-1',
    '?after_id=%ZZ',
    '?__proto__[polluted]=1',
    '?constructor[prototype][polluted]=1',
    `?q=${'x'.repeat(rng.int(6000))}`,
    '?a=1&a=2&a[]=3',
    '?beta=true',
  ]);
  return path + query;
}

export function generate(seed: number, count: number, port: number, maxBody: number): FuzzCase[] {
  const rng = prng(seed);
  const cases: FuzzCase[] = [];
  for (let id = 0; id < count; id++) {
    const headers: string[] = [];
    if (rng.chance(0.3))
      headers.push(rng.pick(['anthropic-version: 2023-06-01', 'x-api-key: sk-ant-fuzz', 'anthropic-version: ' + 'z'.repeat(200)]));
    if (rng.chance(0.1))
      headers.push(
        rng.pick([
          'Authorization: Bearer x',
          'Accept: text/event-stream',
          'Expect: 100-continue',
          'X-Forwarded-For: 8.8.8.8',
          'User-Agent: ' + 'u'.repeat(2000),
        ]),
      );
    const kind = rng.int(20);
    if (kind < 3) {
      // GET endpoints: odd paths, query strings and headers; any method.
      const method = rng.pick(['GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH']);
      const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(rng.chance(0.5) ? '{}' : '[');
      if (body.length > 0) headers.push(`Content-Type: ${rng.pick(JSON_TYPES)}`);
      cases.push({ id, family: 'get-odd', method, target: oddTarget(rng), headers, body, hostHeader: rng.pick(ALLOWED_HOSTS(port)) });
      continue;
    }
    const path = rng.pick(Object.keys(POST_PATHS));
    const api = POST_PATHS[path]!;
    const target = path + (rng.chance(0.1) ? rng.pick(['?beta=true', '?', '?x=%ZZ', '/']) : '');
    const made = postBody(rng, api, id, maxBody);
    const body = Buffer.isBuffer(made.text) ? made.text : Buffer.from(made.text);
    const c: FuzzCase = { id, family: made.family, method: 'POST', target, headers, body, ...(made.expect ? { expect: made.expect } : {}) };
    if (kind === 3) {
      // Content-Type and Content-Encoding tricks.
      c.family = 'ctype';
      if (rng.chance(0.5)) {
        const type = rng.pick([...OTHER_TYPES, '']);
        if (type) headers.push(`Content-Type: ${type}`);
        c.expect = 415;
      } else {
        headers.push(`Content-Type: ${rng.pick(JSON_TYPES)}`);
        const encoding = rng.pick(['identity', 'bogus', 'gzip', 'gzip', 'deflate', 'br', 'gzip, gzip', 'compress']);
        headers.push(`Content-Encoding: ${encoding}`);
        if (['gzip', 'deflate', 'br'].includes(encoding)) {
          const packed =
            encoding === 'gzip' ? zlib.gzipSync(body) : encoding === 'deflate' ? zlib.deflateSync(body) : zlib.brotliCompressSync(body);
          // Sometimes not compressed at all, or cut short: what a broken client sends.
          c.body = rng.pick([packed, packed, body, packed.subarray(0, rng.int(packed.length))]);
        } else if (encoding !== 'identity') c.expect = 415; // refused before a byte is read, whatever the size
      }
    } else if (kind === 4) {
      // Node keeps the first of duplicate Content-Type lines.
      c.family = 'ctype-dup';
      const lines = rng.pick([
        ['Content-Type: application/json', 'Content-Type: text/plain'],
        ['Content-Type: text/plain', 'Content-Type: application/json'],
      ]);
      headers.push(...lines);
      if (lines[0]!.endsWith('text/plain')) c.expect = 415;
    } else {
      headers.push(`Content-Type: ${rng.pick(JSON_TYPES)}`);
    }
    if (kind === 5) {
      // Chunked framing, complete or cut off mid-chunk with the socket destroyed.
      c.family = `chunked-${made.family}`;
      c.ownFraming = true;
      c.payload = c.body;
      headers.push('Transfer-Encoding: chunked');
      c.body = chunked(c.body, rng);
      if (rng.chance(0.5)) c.cutAt = rng.int(c.body.length);
      if (c.expect === 413) delete c.expect; // without a length up front the limit bites mid-read; still a 413, unless cut
    } else if (kind === 6) {
      // Content-Length promising more than is sent, then gone; or a client gone right after a full request.
      c.family = `cut-${made.family}`;
      c.cutAt = rng.chance(0.5) ? rng.int(Math.max(1, c.body.length)) : c.body.length;
    } else if (kind === 7) {
      c.family = 'method';
      c.method = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD']);
      c.expect = 405;
    } else if (kind === 8) {
      c.family = 'host';
      c.hostHeader = rng.pick(BAD_HOSTS);
      c.expect = 403;
    } else if (kind === 9) {
      c.family = 'origin';
      headers.push(`Origin: ${rng.pick(BAD_ORIGINS(port))}`);
      if (rng.chance(0.3)) c.method = 'OPTIONS';
      c.expect = 403;
    } else if (kind === 10) {
      c.hostHeader = rng.pick(ALLOWED_HOSTS(port));
    }
    cases.push(c);
  }
  return cases;
}
