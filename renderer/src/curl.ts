import type { RequestRecord } from '../../shared/request-record.js';

/**
 * A request as a curl command to replay it. Records keep no bodies unless the
 * user turned `logBodies` on, so the body is usually a placeholder of the
 * right shape for the API, model and stream flag. Every value is
 * single-quoted for POSIX shells: the path, model, user agent and body came
 * from the caller and may hold quotes.
 */

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function placeholderBody(record: Pick<RequestRecord, 'path' | 'model' | 'stream' | 'api'>): object | undefined {
  const model = record.model ?? (record.api === 'openai' ? 'gpt-4o' : 'sonnet');
  const messages = [{ role: 'user', content: 'Hello' }];
  if (record.path.endsWith('/chat/completions')) {
    return { model, messages, ...(record.stream ? { stream: true } : {}) };
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
  const url = `${baseUrl.replace(/\/+$/, '')}${record.path}`;
  const method = record.method !== 'GET' && record.method !== 'POST' ? ` -X ${shellQuote(record.method)}` : '';
  const parts = [`curl${record.stream ? ' -N' : ''}${method} ${shellQuote(url)}`];
  const recorded = record.method === 'POST' ? recordedBody(record.requestBody) : undefined;
  const body = recorded ?? (record.method === 'POST' ? JSON.stringify(placeholderBody(record)) : undefined);
  if (body) parts.push(`-H ${shellQuote('content-type: application/json')}`);
  if (record.api === 'anthropic') parts.push(`-H ${shellQuote('anthropic-version: 2023-06-01')}`);
  if (record.userAgent) parts.push(`-H ${shellQuote(`user-agent: ${record.userAgent}`)}`);
  if (body) parts.push(`-d ${shellQuote(body)}`);
  return { command: parts.join(' \\\n  '), placeholder: body !== undefined && recorded === undefined };
}
