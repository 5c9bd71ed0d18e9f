import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../errors.js';
import { parseAnthropicRequest, systemToText } from './anthropic-request.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const user = (content: unknown) => ({ role: 'user', content });
const body = (extra: Record<string, unknown> = {}) => ({ model: 'claude-sonnet-4-5', max_tokens: 256, messages: [user('Hi')], ...extra });

/** Asserts a 400 validation error naming `field` (or no field at all when `field` is undefined). */
function assertInvalid(input: unknown, field: string | undefined): ProxyError {
  try {
    parseAnthropicRequest(input);
  } catch (error) {
    assert.ok(error instanceof ProxyError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.details?.field, field, error.message);
    return error;
  }
  assert.fail('expected a validation error');
}

describe('parseAnthropicRequest', () => {
  it('normalises a minimal request', () => {
    assert.deepEqual(parseAnthropicRequest(body()), {
      api: 'anthropic',
      model: 'claude-sonnet-4-5',
      system: undefined,
      // String content stays a string, as the client sent it (the CLI passes it on as it is).
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [],
      toolChoice: { type: 'auto' },
      parallelToolCalls: true,
      jsonSchema: undefined,
      maxTokens: 256,
      stopSequences: [],
      thinking: false,
      thinkingBudget: undefined,
      stream: false,
      includeUsage: false,
      ignored: [],
    });
  });

  it('takes system as a string or as text blocks', () => {
    assert.equal(parseAnthropicRequest(body({ system: 'Be terse.' })).system, 'Be terse.');
    const blocks = [
      { type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Answer in French.' },
    ];
    assert.equal(parseAnthropicRequest(body({ system: blocks })).system, 'Be terse.\nAnswer in French.');
    assert.equal(systemToText(undefined), undefined);
  });

  it('keeps every block of the history as it was: thinking, tool_use and tool_result with their ids, images', () => {
    const history = [
      user('Weather?'),
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'tool_use', id: 'tu_1', name: 'weather', input: { city: 'Oslo' } },
        ],
      },
      user([
        { type: 'tool_result', tool_use_id: 'tu_1', content: 'rain' },
        { type: 'text', text: 'And this?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      ]),
    ];
    assert.deepEqual(parseAnthropicRequest(body({ messages: history })).messages, history);
  });

  it('system messages among the turns join the system prompt, after the top-level one', () => {
    const parsed = parseAnthropicRequest(
      body({
        system: 'Top.',
        messages: [
          user('Hi'),
          { role: 'system', content: 'Mid.' },
          { role: 'system', content: [{ type: 'text', text: 'As blocks.' }] },
          { role: 'assistant', content: 'Hello.' },
          user('Bye'),
        ],
      }),
    );
    assert.equal(parsed.system, 'Top.\n\nMid.\n\nAs blocks.');
    assert.deepEqual(
      parsed.messages.map((m) => m.role),
      ['user', 'assistant', 'user'],
    );
    assert.equal(parseAnthropicRequest(body({ messages: [{ role: 'system', content: 'Only.' }, user('Hi')] })).system, 'Only.');
  });

  it('a conversation of system messages only is a 400: there is no turn to answer', () => {
    const error = assertInvalid(body({ messages: [{ role: 'system', content: 'Be terse.' }] }), 'messages');
    assert.equal(error.details?.issue, 'at least one user or assistant message is required');
  });

  it('output_config.format (and the beta output_format) asks for structured output', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const parsed = parseAnthropicRequest(body({ output_config: { format: { type: 'json_schema', schema } } }));
    assert.deepEqual(parsed.jsonSchema, { ...schema, additionalProperties: false });
    assert.deepEqual(parsed.ignored, [], 'output_config is acted on');
    assert.deepEqual(parseAnthropicRequest(body({ output_format: { type: 'json_schema', schema } })).jsonSchema, {
      ...schema,
      additionalProperties: false,
    });
    assert.equal(parseAnthropicRequest(body()).jsonSchema, undefined);
    assert.equal(parseAnthropicRequest(body({ output_config: { format: null } })).jsonSchema, undefined);
    // output_config without a format is not acted on.
    assert.deepEqual(parseAnthropicRequest(body({ output_config: { effort: 'high' } })).ignored, ['output_config']);
    assertInvalid(body({ output_config: { format: { type: 'json_schema', schema: { type: 'string' } } } }), 'output_config.format.schema');
    assertInvalid(body({ output_config: { format: { type: 'xml' } } }), 'output_config.format.type');
  });

  it('documents and search results pass through; cache_control is named as ignored wherever it is', () => {
    const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Notes.' }, title: 'Notes' };
    const searchResult = { type: 'search_result', source: 'https://x.test', title: 'X', content: [{ type: 'text', text: 'found' }] };
    const parsed = parseAnthropicRequest(body({ messages: [user([document, searchResult, { type: 'text', text: 'Summarise.' }])] }));
    assert.deepEqual(parsed.messages[0]?.content, [document, searchResult, { type: 'text', text: 'Summarise.' }]);
    assert.deepEqual(parsed.ignored, []);

    const cached = { type: 'ephemeral' };
    const inMessage = parseAnthropicRequest(body({ messages: [user([{ type: 'text', text: 'Hi', cache_control: cached }])] }));
    assert.deepEqual(inMessage.messages[0]?.content, [{ type: 'text', text: 'Hi' }]);
    assert.deepEqual(inMessage.ignored, ['cache_control']);
    assert.deepEqual(parseAnthropicRequest(body({ system: [{ type: 'text', text: 'S', cache_control: cached }] })).ignored, [
      'cache_control',
    ]);
    const tools = [{ name: 't', input_schema: { type: 'object' }, cache_control: cached }];
    assert.deepEqual(parseAnthropicRequest(body({ tools })).ignored, ['cache_control']);
  });

  it('history blocks the CLI cannot carry are 400s naming the block and why', () => {
    const serverTool = { role: 'assistant', content: [{ type: 'server_tool_use', id: 'srv_1', name: 'web_search', input: {} }] };
    const error = assertInvalid(body({ messages: [user('Search'), serverTool, user('And?')] }), 'messages.1.content.0.type');
    assert.match(error.message, /server tools/);
    const pdfUrl = { type: 'document', source: { type: 'url', url: 'https://x.test/a.pdf' } };
    assert.match(assertInvalid(body({ messages: [user([pdfUrl])] }), 'messages.0.content.0.source').message, /does not fetch/);
  });

  it('honours stop_sequences, stream and thinking', () => {
    const parsed = parseAnthropicRequest(
      body({ stop_sequences: ['END'], stream: true, thinking: { type: 'enabled', budget_tokens: 1024 } }),
    );
    assert.deepEqual(parsed.stopSequences, ['END']);
    assert.equal(parsed.stream, true);
    assert.equal(parsed.thinking, true);
    assert.equal(parsed.thinkingBudget, 1024);
    const adaptive = parseAnthropicRequest(body({ thinking: { type: 'adaptive' } }));
    assert.equal(adaptive.thinking, true);
    assert.equal(adaptive.thinkingBudget, undefined);
    assert.equal(parseAnthropicRequest(body({ thinking: { type: 'disabled' } })).thinking, false);
  });

  it('reports accepted-but-ignored fields, sorted; metadata, tools and tool_choice are not among them', () => {
    const tools = [{ name: 't', input_schema: { type: 'object' } }];
    const parsed = parseAnthropicRequest(
      body({ temperature: 0.2, top_p: 0.9, top_k: 5, tools, tool_choice: { type: 'auto' }, metadata: { user_id: 'u' } }),
    );
    assert.deepEqual(parsed.ignored, ['temperature', 'top_k', 'top_p']);
  });

  describe('validation errors are 400s naming the field', () => {
    it('a bad role', () => {
      const error = assertInvalid(body({ messages: [{ role: 'bot', content: 'x' }] }), 'messages.0.role');
      assert.equal(error.code, 'validation_error');
      assert.match(error.message, /messages\.0\.role/);
    });

    it('missing or empty fields', () => {
      assertInvalid({ messages: [user('x')] }, 'model');
      assertInvalid(body({ model: '' }), 'model');
      assertInvalid(body({ messages: [] }), 'messages');
      assertInvalid(body({ max_tokens: 0 }), 'max_tokens');
      assertInvalid(body({ max_tokens: 1.5 }), 'max_tokens');
      assertInvalid(body({ stop_sequences: ['ok', ''] }), 'stop_sequences.1');
      assertInvalid(body({ stream: 'yes' }), 'stream');
      assertInvalid(body({ thinking: { type: 'enabled' } }), 'thinking');
    });

    it('bad content blocks', () => {
      // Each block is checked by its own schema, so the error names the block and its field.
      assertInvalid(body({ messages: [user([{ type: 'video' }])] }), 'messages.0.content.0.type');
      assertInvalid(body({ messages: [user([{ type: 'text' }])] }), 'messages.0.content.0.text');
      const badImage = { type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AAAA' } };
      assertInvalid(body({ messages: [user([badImage])] }), 'messages.0.content.0.source.media_type');
      const notBase64 = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'not base64!' } };
      assertInvalid(body({ messages: [user([notBase64])] }), 'messages.0.content.0.source.data');
    });

    it('a body that is not an object has no field', () => {
      assertInvalid('hello', undefined);
      assertInvalid(null, undefined);
    });

    it('an image URL is refused (the proxy does not fetch)', () => {
      const error = assertInvalidLoose(
        body({
          messages: [
            user([
              { type: 'text', text: 'see' },
              { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            ]),
          ],
        }),
      );
      assert.match(String(error.details?.issue), /base64/);
    });

    it('an image URL error names the image block, as the OpenAI route does', () => {
      const image = { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } };
      assertInvalid(body({ messages: [user([{ type: 'text', text: 'see' }, image])] }), 'messages.0.content.1.source');
    });
  });
});

function assertInvalidLoose(input: unknown): ProxyError {
  try {
    parseAnthropicRequest(input);
  } catch (error) {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.status, 400);
    assert.ok(error.details?.field?.startsWith('messages'), String(error.details?.field));
    return error;
  }
  assert.fail('expected a validation error');
}

describe('message threads', () => {
  const body = (thread: unknown) => ({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], thread });

  it('a new thread is served like any request (the whole conversation is in it)', () => {
    assert.deepEqual(parseAnthropicRequest(body({ type: 'create' })).ignored, []);
  });

  it('continuing a thread is a 404 thread_not_found, so the SDK sends the whole conversation', () => {
    assert.throws(
      () => parseAnthropicRequest(body({ type: 'continue', previous_message_id: 'msg_1' })),
      (error: unknown) =>
        error instanceof ProxyError &&
        error.status === 404 &&
        error.type === 'not_found_error' &&
        error.details?.error_code === 'thread_not_found',
    );
  });
});

describe('empty turns', () => {
  const body = (messages: unknown[]) => ({ model: 'claude-sonnet-4-5', max_tokens: 10, messages });

  it('an empty user turn, or an empty assistant turn before the last, is a 400 naming it', () => {
    for (const [messages, field] of [
      [[{ role: 'user', content: [] }], 'messages.0.content'],
      [[{ role: 'user', content: '' }], 'messages.0.content'],
      [
        [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [] },
          { role: 'user', content: 'b' },
        ],
        'messages.1.content',
      ],
    ] as const) {
      assert.throws(
        () => parseAnthropicRequest(body([...messages])),
        (error: unknown) => error instanceof ProxyError && error.status === 400 && error.details?.field === field,
      );
    }
  });

  it('a final empty assistant turn is allowed, as the API allows it', () => {
    assert.equal(
      parseAnthropicRequest(
        body([
          { role: 'user', content: 'a' },
          { role: 'assistant', content: '' },
        ]),
      ).messages.length,
      2,
    );
  });
});
