import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../errors.js';
import { parseOpenAIRequest } from './openai-request.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const body = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], ...extra });

function assertInvalid(input: unknown, field: string | undefined): ProxyError {
  try {
    parseOpenAIRequest(input);
  } catch (error) {
    assert.ok(error instanceof ProxyError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.code, 'validation_error');
    assert.equal(error.details?.field, field, error.message);
    assert.equal(error.param, field);
    return error;
  }
  assert.fail('expected a validation error');
}

describe('parseOpenAIRequest', () => {
  it('normalises a minimal request', () => {
    assert.deepEqual(parseOpenAIRequest(body()), {
      api: 'openai',
      model: 'gpt-4o',
      system: undefined,
      // String content stays a string, as the client sent it.
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [],
      toolChoice: { type: 'auto' },
      parallelToolCalls: true,
      jsonSchema: undefined,
      maxTokens: undefined,
      stopSequences: [],
      thinking: false,
      stream: false,
      includeUsage: false,
      ignored: [],
    });
  });

  it('turns system and developer messages into the system prompt, in order', () => {
    const parsed = parseOpenAIRequest(
      body({
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hi' },
        ],
      }),
    );
    assert.equal(parsed.system, 'Be terse.\n\nAnswer in French.');
    assert.deepEqual(parsed.messages, [{ role: 'user', content: 'Hi' }]);
  });

  it('accepts an Anthropic-style body: top-level system and content-block arrays', () => {
    const parsed = parseOpenAIRequest({
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'Be terse.' }],
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          ],
        },
      ],
    });
    assert.equal(parsed.system, 'Be terse.');
    assert.equal(parsed.maxTokens, 100);
    assert.deepEqual(parsed.messages[0]?.content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
    ]);
    assert.equal(
      parseOpenAIRequest(
        body({
          system: 'Top.',
          messages: [
            { role: 'system', content: 'Msg.' },
            { role: 'user', content: 'x' },
          ],
        }),
      ).system,
      'Top.\n\nMsg.',
    );
  });

  it('turns a data-URL image into an image part', () => {
    const parsed = parseOpenAIRequest(
      body({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Describe:' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'low' } },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(parsed.messages[0]?.content, [
      { type: 'text', text: 'Describe:' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
    ]);
  });

  it('refuses http(s) image URLs with a 400 naming the field', () => {
    const error = assertInvalid(
      body({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'x' },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
        ],
      }),
      'messages.0.content.1.image_url.url',
    );
    assert.match(error.message, /base64/);
  });

  it('refuses data URLs that are not a supported base64 image', () => {
    const image = (url: string) => body({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
    assertInvalid(image(`data:image/bmp;base64,${PNG}`), 'messages.0.content.0.image_url.url');
    assertInvalid(image('data:image/png;base64,not base64!'), 'messages.0.content.0.image_url.url');
    assertInvalid(image('data:image/png;base64,'), 'messages.0.content.0.image_url.url');
    assertInvalid(image(`data:text/plain;base64,${PNG}`), 'messages.0.content.0.image_url.url');
  });

  it('n: 2 is a 400; n: 1 is fine', () => {
    const error = assertInvalid(body({ n: 2 }), 'n');
    assert.match(error.message, /n = 1/);
    assert.deepEqual(parseOpenAIRequest(body({ n: 1 })).ignored, []);
  });

  it('reports temperature, top_p, seed … as ignored; user, stream_options, tools, tool_choice and response_format are honoured', () => {
    const parsed = parseOpenAIRequest(
      body({
        temperature: 0.5,
        top_p: 1,
        seed: 42,
        tools: [{ type: 'function', function: { name: 'f' } }],
        tool_choice: 'auto',
        response_format: { type: 'json_object' },
        presence_penalty: null,
        user: 'someone',
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    assert.deepEqual(parsed.ignored, ['seed', 'temperature', 'top_p']);
    assert.equal(parsed.stream, true);
    assert.equal(parsed.includeUsage, true);
  });

  it('stop may be a string, an array or null', () => {
    assert.deepEqual(parseOpenAIRequest(body({ stop: 'END' })).stopSequences, ['END']);
    assert.deepEqual(parseOpenAIRequest(body({ stop: ['A', 'B'] })).stopSequences, ['A', 'B']);
    assert.deepEqual(parseOpenAIRequest(body({ stop: null })).stopSequences, []);
    assertInvalid(body({ stop: '' }), 'stop');
  });

  it('max_completion_tokens wins over max_tokens', () => {
    assert.equal(parseOpenAIRequest(body({ max_tokens: 10, max_completion_tokens: 20 })).maxTokens, 20);
    assert.equal(parseOpenAIRequest(body({ max_tokens: 10 })).maxTokens, 10);
    assert.equal(parseOpenAIRequest(body({ max_tokens: null })).maxTokens, undefined);
  });

  it('turns earlier tool calls into tool_use blocks and tool messages into tool_result blocks, ids kept', () => {
    const parsed = parseOpenAIRequest(
      body({
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'rain' },
        ],
      }),
    );
    assert.deepEqual(parsed.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: 'rain' }] },
    ]);
  });

  it('keeps text beside tool calls, and ids as the client gave them', () => {
    const parsed = parseOpenAIRequest(
      body({
        messages: [
          { role: 'user', content: 'Weather in Paris and Oslo?' },
          {
            role: 'assistant',
            content: 'Checking both.',
            tool_calls: [
              { id: 'call_9f8e7d6c5b4a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', function: { name: 'weather', arguments: '' } },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(parsed.messages[1], {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking both.' },
        { type: 'tool_use', id: 'call_9f8e7d6c5b4a', name: 'weather', input: { city: 'Paris' } },
        // Empty arguments are no arguments.
        { type: 'tool_use', id: 'call_2', name: 'weather', input: {} },
      ],
    });
  });

  it('consecutive tool messages, and a user message after them, become one user turn', () => {
    const parsed = parseOpenAIRequest(
      body({
        messages: [
          { role: 'user', content: 'Weather in Paris and Oslo?' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
              { id: 'c2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
          { role: 'tool', tool_call_id: 'c2', content: [{ type: 'text', text: 'rain' }] },
          { role: 'user', content: 'Which is warmer?' },
        ],
      }),
    );
    assert.equal(parsed.messages.length, 3);
    assert.deepEqual(parsed.messages[1]?.content, [
      { type: 'tool_use', id: 'c1', name: 'weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'c2', name: 'weather', input: { city: 'Oslo' } },
    ]);
    assert.deepEqual(parsed.messages[2], {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'c1', content: 'sunny' },
        { type: 'tool_result', tool_use_id: 'c2', content: [{ type: 'text', text: 'rain' }] },
        { type: 'text', text: 'Which is warmer?' },
      ],
    });
  });

  it('response_format json_schema and json_object ask for structured output; text does not', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const format = (responseFormat: unknown) => parseOpenAIRequest(body({ response_format: responseFormat })).jsonSchema;
    assert.deepEqual(format({ type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } }), {
      ...schema,
      additionalProperties: false,
    });
    assert.deepEqual(format({ type: 'json_object' }), { type: 'object', additionalProperties: true });
    assert.deepEqual(format({ type: 'json_schema', json_schema: { name: 'any' } }), { type: 'object', additionalProperties: true });
    assert.equal(format({ type: 'text' }), undefined);
    assert.equal(format(null), undefined);
    assertInvalid(
      body({ response_format: { type: 'json_schema', json_schema: { name: 'list', schema: { type: 'array' } } } }),
      'response_format.json_schema.schema',
    );
    assertInvalid(body({ response_format: { type: 'yaml' } }), 'response_format.type');
  });

  it('parts the CLI cannot carry are 400s naming the part and why', () => {
    const part = (content: unknown) => body({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, content] }] });
    const audio = assertInvalid(part({ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }), 'messages.0.content.1.type');
    assert.match(audio.message, /audio input is not supported/);
    const fileId = assertInvalid(part({ type: 'file', file: { file_id: 'file-abc' } }), 'messages.0.content.1.file');
    assert.match(fileId.message, /Files API/);
    const notPdf = part({ type: 'file', file: { file_data: `data:image/png;base64,${PNG}`, filename: 'a.png' } });
    assert.match(assertInvalid(notPdf, 'messages.0.content.1.file.file_data').message, /PDF/);
  });

  it('a PDF file part becomes a document block', () => {
    const parsed = parseOpenAIRequest(
      body({
        messages: [
          { role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK', filename: 'a.pdf' } }] },
        ],
      }),
    );
    assert.deepEqual(parsed.messages[0]?.content, [
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'a.pdf' },
    ]);
  });

  describe('validation errors are 400s naming the field', () => {
    it('bad role, missing model, empty messages', () => {
      assertInvalid(body({ messages: [{ role: 'bot', content: 'x' }] }), 'messages.0.role');
      assertInvalid({ messages: [{ role: 'user', content: 'x' }] }, 'model');
      assertInvalid(body({ messages: [] }), 'messages');
      assertInvalid(body({ max_tokens: -1 }), 'max_tokens');
    });

    it('tool calls with arguments that are not a JSON object', () => {
      const call = (args: string) =>
        body({
          messages: [
            { role: 'user', content: 'x' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: args } }] },
            { role: 'tool', tool_call_id: 'c1', content: 'y' },
          ],
        });
      for (const args of ['{"city":', 'not json', '[1,2]', '"text"', 'null']) {
        const error = assertInvalid(call(args), 'messages.1.tool_calls.0.function.arguments');
        assert.match(error.message, /JSON object/);
      }
    });

    it('a tool message without tool_call_id, and a legacy function message', () => {
      const tool = assertInvalid(body({ messages: [{ role: 'tool', content: 'y' }] }), 'messages.0.tool_call_id');
      assert.match(tool.message, /id of the call/);
      assertInvalid(body({ messages: [{ role: 'function', name: 'f', content: 'y' }] }), 'messages.0.role');
    });

    it('only system messages', () => {
      const error = assertInvalid(body({ messages: [{ role: 'system', content: 'x' }] }), 'messages');
      assert.equal(error.details?.issue, 'at least one user or assistant message is required');
    });
  });
});
