import type { RequestRecord } from '../../shared/request-record.js';

/**
 * A request as a curl command to replay it. Records keep no bodies unless the
 * user turned `logBodies` on, so the body is usually a placeholder of the
 * right shape for the API, model and stream flag.
 *
 * The path, model, user agent and body came from the caller, and the command
 * is pasted into whatever shell the user has. One line, every value in single
 * quotes, and inside them only characters that no shell we know reads
 * specially there: bash, dash and zsh end the string at `'`; fish also
 * unescapes `\\` and `\'`; PowerShell also ends it at the typographic quotes
 * ‘ ’ ‚ ‛ and does not continue lines with `\`. So a value keeps printable
 * ASCII other than `'` and `\` as it is; anything else in a header, the path
 * or the method is percent-encoded (`%27` for `'`), and the JSON body is
 * rewritten to the same JSON with such characters as `\uXXXX` escapes.
 *
 * curl itself expands `{a,b}` and `[1-9]` in a URL into many requests (a
 * logged path of a few such groups into exponentially many): the command
 * turns globbing off (`-g`) and percent-encodes those characters in the path
 * too, which a server reads the same.
 */

/** Printable ASCII without `'` (0x27) and `\` (0x5c). */
const UNSAFE_CHAR = /[^\x20-\x26\x28-\x5b\x5d-\x7e]/gu;

/**
 * Single quotes around a value already made safe: printable ASCII without `'`,
 * and a backslash only before a character other than `\` or `'`. Anything
 * else is a bug in the caller, refused here rather than pasted.
 */
export function shellQuote(value: string): string {
  if (!/^[\x20-\x26\x28-\x7e]*$/.test(value) || /\\(\\|$)/.test(value))
    throw new Error('shellQuote: the value holds characters a shell may read');
  return `'${value}'`;
}

/** Characters outside the safe set as %XX of their UTF-8 bytes. */
export function percentUnsafe(value: string): string {
  const encoder = new TextEncoder();
  return value.replace(UNSAFE_CHAR, (char) =>
    [...encoder.encode(char)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/**
 * The same JSON value as text in the safe set, except backslashes that start
 * a JSON escape (`\"`, `\n`, `\u0027`): never two in a row nor one before a
 * quote, which is all fish looks at inside single quotes.
 */
export function shellSafeJson(text: string): string {
  const json = JSON.stringify(JSON.parse(text));
  let out = '';
  for (let index = 0; index < json.length; index += 1) {
    const char = json[index]!;
    if (char === '\\') {
      const next = json[index + 1]!;
      out += next === '\\' ? '\\u005c' : `\\${next}`;
      index += 1;
      continue;
    }
    const code = json.charCodeAt(index);
    out += code < 0x20 || code > 0x7e || char === "'" ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return out;
}

/** A request path as it goes into the URL: safe for the shell and free of curl's glob characters. */
export function curlPath(path: string): string {
  return percentUnsafe(path).replace(/[[\]{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function placeholderBody(record: Pick<RequestRecord, 'path' | 'model' | 'stream' | 'api'>): object | undefined {
  const model = record.model ?? (record.api === 'openai' || record.api === 'responses' ? 'gpt-4o' : 'sonnet');
  const messages = [{ role: 'user', content: 'Hello' }];
  if (record.path.endsWith('/chat/completions')) {
    return { model, messages, ...(record.stream ? { stream: true } : {}) };
  }
  if (record.path.endsWith('/responses')) {
    return { model, input: 'Hello', ...(record.stream ? { stream: true } : {}) };
  }
  if (record.path === '/v1/messages/count_tokens') return { model, messages };
  if (record.path === '/v1/messages') return { model, max_tokens: 1024, messages, ...(record.stream ? { stream: true } : {}) };
  return {};
}

type CurlFields = Pick<RequestRecord, 'method' | 'path' | 'model' | 'stream' | 'api' | 'userAgent'> & { requestBody?: string | null };

/** The body as sent, when `logBodies` kept it whole (a truncated one no longer parses). */
export function recordedBody(requestBody: string | null | undefined): string | undefined {
  if (!requestBody) return undefined;
  try {
    JSON.parse(requestBody);
    return requestBody;
  } catch {
    return undefined;
  }
}

export function curlCommand(record: CurlFields, baseUrl: string): { command: string; placeholder: boolean } {
  // The base URL is the proxy's own (an IPv6 host keeps its brackets, which -g leaves alone).
  const url = `${percentUnsafe(baseUrl.replace(/\/+$/, ''))}${curlPath(record.path)}`;
  const method = record.method !== 'GET' && record.method !== 'POST' ? ` -X ${shellQuote(percentUnsafe(record.method))}` : '';
  const parts = [`curl -g${record.stream ? ' -N' : ''}${method} ${shellQuote(url)}`];
  const recorded = record.method === 'POST' ? recordedBody(record.requestBody) : undefined;
  const body = recorded ?? (record.method === 'POST' ? JSON.stringify(placeholderBody(record)) : undefined);
  if (body) parts.push(`-H ${shellQuote('content-type: application/json')}`);
  if (record.api === 'anthropic') parts.push(`-H ${shellQuote('anthropic-version: 2023-06-01')}`);
  if (record.userAgent) parts.push(`-H ${shellQuote(`user-agent: ${percentUnsafe(record.userAgent)}`)}`);
  if (body) parts.push(`-d ${shellQuote(shellSafeJson(body))}`);
  return { command: parts.join(' '), placeholder: body !== undefined && recorded === undefined };
}
