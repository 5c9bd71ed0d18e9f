import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CANNED_CLI, rawRequest, startTestProxy, tagEnv, taggedProcesses, type RawResponse, type TestProxy } from './helpers/test-proxy.js';

/**
 * What a hostile page in the user's own browser can send, written byte for byte on raw sockets
 * (fetch would fix up Host and Origin): DNS rebinding (a foreign or malformed Host, none at all,
 * an absolute-form request line) and cross-origin requests (Origin `null`, another port, https
 * instead of http, a look-alike domain, a preflight). Each is refused with a 403 in the shape of
 * the API its path belongs to, with no CORS header, before any work: no CLI process, no rate-limit
 * token, no request-log entry. The same origin is still served.
 */

const TAG = randomUUID();
const ALLOWED_ORIGIN = 'http://localhost:5173';
const VALID = JSON.stringify({ model: 'sonnet', max_tokens: 16, messages: [{ role: 'user', content: 'ECHO:same-origin' }] });

interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
  dialect: 'anthropic' | 'openai';
  headers?: string[];
}

const ENDPOINTS: Endpoint[] = [
  { method: 'POST', path: '/v1/messages', dialect: 'anthropic' },
  { method: 'POST', path: '/v1/messages/count_tokens', dialect: 'anthropic' },
  { method: 'POST', path: '/v1/chat/completions', dialect: 'openai' },
  { method: 'POST', path: '/openai/v1/chat/completions', dialect: 'openai' },
  { method: 'GET', path: '/v1/models', dialect: 'openai' },
  { method: 'GET', path: '/v1/models', dialect: 'anthropic', headers: ['anthropic-version: 2023-06-01'] },
  { method: 'GET', path: '/openai/v1/models/sonnet', dialect: 'openai' },
  { method: 'GET', path: '/health', dialect: 'openai' },
];

describe('cross-origin and DNS rebinding over raw HTTP', () => {
  let proxy: TestProxy;
  let self: string;
  before(async () => {
    proxy = await startTestProxy({ cliPath: CANNED_CLI, env: tagEnv(TAG), settings: { allowedOrigins: [ALLOWED_ORIGIN] } });
    self = `127.0.0.1:${proxy.port}`;
  });
  after(() => proxy.close());

  /** `lines` replace the default Host line when one of them is a Host line (or `Host` is null: none at all). */
  const send = (endpoint: Endpoint, lines: string[], options: { host?: string | null; requestLine?: string } = {}) => {
    const host = options.host === null ? [] : [`Host: ${options.host ?? self}`];
    const body = endpoint.method === 'POST' ? VALID : '';
    const head = [
      options.requestLine ?? `${endpoint.method} ${endpoint.path} HTTP/1.1`,
      ...host,
      'Connection: close',
      ...(endpoint.headers ?? []),
      ...lines,
      ...(endpoint.method === 'POST' ? ['Content-Type: application/json', `Content-Length: ${body.length}`] : []),
    ];
    return rawRequest(proxy.port, head, body);
  };

  function assertRefused(response: RawResponse | undefined, endpoint: Endpoint, code: string, what: string) {
    assert.ok(response, `${what}: no answer`);
    const label = `${what} → ${endpoint.method} ${endpoint.path}`;
    assert.equal(response.status, 403, `${label}: ${response.body.toString()}`);
    assert.equal(response.headers['access-control-allow-origin'], undefined, `${label}: no CORS header on a refusal`);
    assert.equal(response.headers['access-control-allow-methods'], undefined, label);
    const body = JSON.parse(response.body.toString());
    assert.equal(body.error.type, 'permission_error', label);
    if (endpoint.dialect === 'anthropic') {
      assert.equal(body.type, 'error', `${label}: Anthropic shape`);
      assert.equal(body.error.details.field, code === 'host_not_allowed' ? 'Host' : 'Origin', label);
    } else {
      assert.equal(body.type, undefined, `${label}: OpenAI shape`);
      assert.equal(body.error.code, code, label);
    }
  }

  test('a Host that is not a loopback name is refused on every endpoint', async () => {
    for (const host of [
      'evil.com',
      'evil.com:80',
      '127.0.0.1.evil.com',
      'localhost.evil.com',
      'localhost.evil.com:8000',
      '127.0.0.1.nip.io',
      '0.0.0.0',
      '',
    ]) {
      for (const endpoint of ENDPOINTS)
        assertRefused((await send(endpoint, [], { host })).response, endpoint, 'host_not_allowed', `Host: ${host}`);
    }
  });

  test('no Host at all (HTTP/1.0) is refused', async () => {
    for (const endpoint of ENDPOINTS) {
      const { response } = await send(endpoint, [], { host: null, requestLine: `${endpoint.method} ${endpoint.path} HTTP/1.0` });
      assertRefused(response, endpoint, 'host_not_allowed', 'no Host');
    }
  });

  test('an absolute-form request line for another host, with that Host, is refused', async () => {
    for (const endpoint of ENDPOINTS) {
      const requestLine = `${endpoint.method} http://evil.com${endpoint.path} HTTP/1.1`;
      assertRefused((await send(endpoint, [], { host: 'evil.com', requestLine })).response, endpoint, 'host_not_allowed', 'absolute form');
    }
  });

  test('a browser Origin that is not allowed is refused on every endpoint, preflight included', async () => {
    const origins = [
      'null',
      'http://localhost:1',
      `https://${self}`,
      `http://${self}.evil.com`,
      `http://localhost:${proxy.port}`,
      `${ALLOWED_ORIGIN}.evil.com`,
      'https://evil.example',
    ];
    for (const origin of origins) {
      for (const endpoint of ENDPOINTS) {
        assertRefused((await send(endpoint, [`Origin: ${origin}`])).response, endpoint, 'origin_not_allowed', `Origin: ${origin}`);
        const preflight = await send(
          { ...endpoint, method: 'GET' },
          [`Origin: ${origin}`, 'Access-Control-Request-Method: POST', 'Access-Control-Request-Headers: content-type, x-api-key'],
          {
            requestLine: `OPTIONS ${endpoint.path} HTTP/1.1`,
          },
        );
        assertRefused(preflight.response, endpoint, 'origin_not_allowed', `preflight from ${origin}`);
      }
    }
  });

  test('the refusals cost nothing: no CLI process, no rate-limit token; in the request log only as refused (bounded per address)', async () => {
    assert.deepEqual(await taggedProcesses(TAG), []);
    assert.equal(proxy.proxy.trackedClients, 0);
    const records = proxy.proxy.requests();
    assert.ok(records.length > 0 && records.length <= 20, `${records.length} entries`);
    assert.ok(records.every((record) => record.refused && record.status === 403 && record.model === null && record.cliPid === null));
  });

  test('the same origin is served, without a CORS header it does not need', async () => {
    for (const [host, origin] of [
      [self, `http://${self}`],
      [`localhost:${proxy.port}`, `http://localhost:${proxy.port}`],
    ] as const) {
      const models = await send(ENDPOINTS[4]!, [`Origin: ${origin}`], { host });
      assert.equal(models.response?.status, 200, origin);
      const chat = await send(ENDPOINTS[0]!, [`Origin: ${origin}`], { host });
      assert.equal(chat.response?.status, 200, origin);
      assert.equal(JSON.parse(chat.response.body.toString()).content[0].text, 'same-origin');
    }
  });

  test('an allowed origin gets exactly its own CORS header (never *), preflight included', async () => {
    const preflight = await send(
      ENDPOINTS[0]!,
      [`Origin: ${ALLOWED_ORIGIN}`, 'Access-Control-Request-Method: POST', 'Access-Control-Request-Headers: content-type'],
      {
        requestLine: 'OPTIONS /v1/messages HTTP/1.1',
      },
    );
    assert.equal(preflight.response?.status, 204);
    assert.deepEqual(preflight.response.headers['access-control-allow-origin'], [ALLOWED_ORIGIN]);
    const chat = await send(ENDPOINTS[2]!, [`Origin: ${ALLOWED_ORIGIN}`]);
    assert.equal(chat.response?.status, 200);
    assert.deepEqual(chat.response.headers['access-control-allow-origin'], [ALLOWED_ORIGIN]);
    assert.match(chat.response.headers.vary?.join(',') ?? '', /origin/i);
  });

  test('a preflight allows DELETE, which removes a stored response', async () => {
    const preflight = await send(ENDPOINTS[0]!, [`Origin: ${ALLOWED_ORIGIN}`, 'Access-Control-Request-Method: DELETE'], {
      requestLine: 'OPTIONS /v1/responses/resp_abc HTTP/1.1',
    });
    assert.equal(preflight.response?.status, 204);
    const methods = (preflight.response.headers['access-control-allow-methods'] ?? []).join(',').split(/,\s*/);
    assert.ok(methods.includes('DELETE'), methods.join(', '));
  });

  // Not reachable from a browser (which always sends the URL's host alone), but the check should not
  // depend on that: hostName() reads only up to ']' or the first ':' and ignores the rest.
  test('a Host with anything after a loopback name is refused', async () => {
    for (const host of ['[::1]:80@evil', '[::1]evil', 'localhost:80@evil.com', 'localhost:evil', `${self} evil.com`]) {
      assertRefused((await send(ENDPOINTS[4]!, [], { host })).response, ENDPOINTS[4]!, 'host_not_allowed', `Host: ${host}`);
    }
  });

  test('an absolute-form request line for another host is refused even with a loopback Host (RFC 9112 §3.2.2: the target wins)', async () => {
    const { response } = await send(ENDPOINTS[4]!, [], { requestLine: 'GET http://evil.com/v1/models HTTP/1.1' });
    assertRefused(response, ENDPOINTS[4]!, 'host_not_allowed', 'absolute form with a loopback Host');
  });

  test('two Host headers are refused (RFC 9112 §3.2: 400)', async () => {
    const { response } = await rawRequest(proxy.port, ['GET /v1/models HTTP/1.1', `Host: ${self}`, 'Host: evil.com', 'Connection: close']);
    assert.ok(response && response.status >= 400 && response.status < 500, `status ${response?.status}`);
  });
});
