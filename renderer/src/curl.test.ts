import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curlCommand, curlPath, percentUnsafe, placeholderBody, shellQuote, shellSafeJson } from './curl.js';

const base = { method: 'POST', model: 'sonnet', stream: false, userAgent: null } as const;

test('shellQuote takes only values already made safe', () => {
  assert.equal(shellQuote('a "b" $(c) `d` ; # \\n'), `'a "b" $(c) \`d\` ; # \\n'`);
  for (const value of [`it's`, 'a\\\\b', 'ends\\', 'new\nline', 'smart ’ quote'])
    assert.throws(() => shellQuote(value), /characters a shell may read/);
});

test('unsafe characters in a header are percent-encoded; the JSON body keeps its value', () => {
  assert.equal(percentUnsafe(`\\'; touch x; #`), '%5C%27; touch x; #');
  assert.equal(percentUnsafe('é ’\n'), '%C3%A9 %E2%80%99%0A');
  const body = JSON.stringify({ text: `it's \\ \\' "q" ’ é \u2028 \u0000 😀` });
  const safe = shellSafeJson(body);
  assert.match(safe, /^[\x20-\x26\x28-\x7e]*$/);
  assert.ok(!/\\(\\|$)/.test(safe));
  assert.deepEqual(JSON.parse(safe), JSON.parse(body));
});

test('the placeholder body has the shape of the API, model and stream flag', () => {
  assert.deepEqual(placeholderBody({ ...base, api: 'anthropic', path: '/v1/messages', stream: true }), {
    model: 'sonnet',
    max_tokens: 1024,
    messages: [{ role: 'user', content: 'Hello' }],
    stream: true,
  });
  assert.deepEqual(placeholderBody({ ...base, api: 'openai', path: '/openai/v1/chat/completions', model: 'gpt-4o' }), {
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Hello' }],
  });
  assert.deepEqual(placeholderBody({ ...base, api: 'anthropic', path: '/v1/messages/count_tokens' }), {
    model: 'sonnet',
    messages: [{ role: 'user', content: 'Hello' }],
  });
  assert.deepEqual(placeholderBody({ ...base, api: 'responses', path: '/v1/responses', model: null, stream: true }), {
    model: 'gpt-4o',
    input: 'Hello',
    stream: true,
  });
  // A request that failed before its model was read still gets a runnable body.
  assert.equal((placeholderBody({ ...base, api: 'anthropic', path: '/v1/messages', model: null }) as { model: string }).model, 'sonnet');
});

test('a streamed Anthropic request becomes curl -N with its headers and body, on one line', () => {
  const { command, placeholder } = curlCommand(
    { ...base, api: 'anthropic', path: '/v1/messages', stream: true, userAgent: 'Anthropic/JS 1.0' },
    'http://127.0.0.1:8000/',
  );
  assert.equal(placeholder, true);
  assert.equal(
    command,
    [
      "curl -g -N 'http://127.0.0.1:8000/v1/messages'",
      "-H 'content-type: application/json'",
      "-H 'anthropic-version: 2023-06-01'",
      "-H 'user-agent: Anthropic/JS 1.0'",
      `-d '{"model":"sonnet","max_tokens":1024,"messages":[{"role":"user","content":"Hello"}],"stream":true}'`,
    ].join(' '),
  );
});

test('a GET has no body; other methods are spelled out', () => {
  assert.equal(
    curlCommand({ ...base, method: 'GET', api: 'other', path: '/v1/models' }, 'http://127.0.0.1:8000').command,
    "curl -g 'http://127.0.0.1:8000/v1/models'",
  );
  assert.match(
    curlCommand({ ...base, method: 'DELETE', api: 'other', path: '/v1/models' }, 'http://h').command,
    /^curl -g -X 'DELETE' 'http:\/\/h\/v1\/models'$/,
  );
});

test("curl's URL globs are off and encoded: a logged path cannot expand into many requests", () => {
  const path = '/{v1,v1,v1}{x,x,x}/[1-9]/chat/completions';
  const { command } = curlCommand({ ...base, method: 'GET', api: 'other', path }, 'http://[::1]:8000');
  assert.equal(command, "curl -g 'http://[::1]:8000/%7Bv1,v1,v1%7D%7Bx,x,x%7D/%5B1-9%5D/chat/completions'");
  assert.equal(decodeURIComponent(curlPath(path)), path);
});

test('a body kept by logBodies is used when whole, and a truncated one is not', () => {
  const whole = curlCommand(
    { ...base, api: 'openai', path: '/v1/chat/completions', requestBody: '{"model":"x","messages":[]}' },
    'http://h',
  );
  assert.equal(whole.placeholder, false);
  assert.match(whole.command, /-d '\{"model":"x","messages":\[\]\}'$/);
  const cut = curlCommand({ ...base, api: 'openai', path: '/v1/chat/completions', requestBody: '{"model":"x","mess…' }, 'http://h');
  assert.equal(cut.placeholder, true);
});
