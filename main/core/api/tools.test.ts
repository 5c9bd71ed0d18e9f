import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../errors.js';
import { anthropicTools, openaiTools, structuredSchema } from './tools.js';
import { parseAnthropicRequest } from './anthropic-request.js';
import { parseOpenAIRequest } from './openai-request.js';

const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' } },
  required: ['city'],
  additionalProperties: false,
};
const anthropicTool = (name: string, extra: object = {}) => ({ name, input_schema: { type: 'object' }, ...extra });
const openaiTool = (name: string, extra: object = {}) => ({
  type: 'function',
  function: { name, parameters: { type: 'object' }, ...extra },
});

function assert400(fn: () => unknown, field: string, issue?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProxyError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.code, 'validation_error');
    assert.equal(error.details?.field, field, error.message);
    if (issue) assert.match(String(error.details?.issue), issue);
    return true;
  });
}

describe('anthropicTools', () => {
  it('declares client tools with their names, descriptions and schemas as given', () => {
    const parsed = anthropicTools(
      [
        { name: 'get_weather', description: 'Weather “now”\n\tfor a city', input_schema: WEATHER_SCHEMA },
        { type: 'custom', name: 'no-desc', input_schema: { type: 'object', properties: {} } },
      ],
      undefined,
    );
    assert.deepEqual(parsed, {
      tools: [
        { name: 'get_weather', description: 'Weather “now”\n\tfor a city', inputSchema: WEATHER_SCHEMA },
        { name: 'no-desc', description: '', inputSchema: { type: 'object', properties: {} } },
      ],
      toolChoice: { type: 'auto' },
      parallelToolCalls: true,
      ignored: [],
    });
    assert.deepEqual(anthropicTools(undefined, undefined), {
      tools: [],
      toolChoice: { type: 'auto' },
      parallelToolCalls: true,
      ignored: [],
    });
  });

  it('leaves server tools out and names them as ignored', () => {
    const parsed = anthropicTools(
      [{ type: 'web_search_20250305', name: 'web_search' }, anthropicTool('mine'), { type: 'bash_20250124', name: 'bash' }],
      undefined,
    );
    assert.deepEqual(
      parsed.tools.map((tool) => tool.name),
      ['mine'],
    );
    assert.deepEqual(parsed.ignored, ['tools.0.web_search_20250305', 'tools.2.bash_20250124']);
  });

  it('refuses bad names, naming the tool field', () => {
    for (const name of ['with.dot', 'with space', 'slash/name', 'ünïcode', '', 'x'.repeat(129)]) {
      assert400(() => anthropicTools([anthropicTool('ok'), anthropicTool(name)], undefined), 'tools.1.name', /letters, digits/);
    }
    assert.equal(anthropicTools([anthropicTool('x'.repeat(128))], undefined).tools.length, 1, '128 characters are fine');
  });

  it('refuses a name declared twice, naming the second one by its index in the request', () => {
    const tools = [{ type: 'web_search_20250305', name: 'web_search' }, anthropicTool('a'), anthropicTool('b'), anthropicTool('a')];
    assert400(() => anthropicTools(tools, undefined), 'tools.3.name', /declared twice/);
  });

  it('refuses a schema whose top level is not an object, and a missing schema', () => {
    for (const schema of [{}, { type: 'string' }, { properties: {} }, { type: ['object', 'null'] }]) {
      assert400(
        () => anthropicTools([anthropicTool('t', { input_schema: schema })], undefined),
        'tools.0.input_schema',
        /"type": "object"/,
      );
    }
    assert400(() => anthropicTools([{ name: 't' }], undefined), 'tools.0.input_schema', /no input_schema/);
  });

  it('maps tool_choice auto, any, none and tool; disable_parallel_tool_use allows one call', () => {
    const tools = [anthropicTool('a'), anthropicTool('b')];
    assert.deepEqual(anthropicTools(tools, { type: 'auto' }).toolChoice, { type: 'auto' });
    assert.deepEqual(anthropicTools(tools, { type: 'any' }).toolChoice, { type: 'any' });
    assert.deepEqual(anthropicTools(tools, { type: 'none' }).toolChoice, { type: 'none' });
    assert.deepEqual(anthropicTools(tools, { type: 'tool', name: 'b' }).toolChoice, { type: 'tool', name: 'b' });
    assert.equal(anthropicTools(tools, { type: 'auto' }).parallelToolCalls, true);
    assert.equal(anthropicTools(tools, { type: 'auto', disable_parallel_tool_use: true }).parallelToolCalls, false);
    const serial = anthropicTools(tools, { type: 'tool', name: 'a', disable_parallel_tool_use: true });
    assert.deepEqual([serial.toolChoice, serial.parallelToolCalls], [{ type: 'tool', name: 'a' }, false]);
  });

  it('refuses a named choice that is not declared, and a forced call without tools', () => {
    assert400(() => anthropicTools([anthropicTool('a')], { type: 'tool', name: 'zz' }), 'tool_choice.name', /"zz".*not among/);
    // A server tool is left out, so naming it names nothing the model is offered.
    assert400(
      () => anthropicTools([{ type: 'web_search_20250305', name: 'web_search' }], { type: 'tool', name: 'web_search' }),
      'tool_choice.name',
    );
    assert400(() => anthropicTools(undefined, { type: 'any' }), 'tool_choice', /no tool/);
    assert.deepEqual(anthropicTools(undefined, { type: 'none' }).toolChoice, { type: 'none' });
  });
});

describe('openaiTools', () => {
  it('declares function tools with their names, descriptions and parameters as given', () => {
    const parsed = openaiTools(
      [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather for a city', parameters: WEATHER_SCHEMA, strict: true },
        },
      ],
      undefined,
      undefined,
    );
    assert.deepEqual(parsed, {
      tools: [{ name: 'get_weather', description: 'Weather for a city', inputSchema: WEATHER_SCHEMA }],
      toolChoice: { type: 'auto' },
      parallelToolCalls: true,
      ignored: [],
    });
  });

  it('a function without parameters takes none: an empty object schema', () => {
    const parsed = openaiTools([{ type: 'function', function: { name: 'now' } }], undefined, undefined);
    assert.deepEqual(parsed.tools, [{ name: 'now', description: '', inputSchema: { type: 'object', properties: {} } }]);
  });

  it('leaves tools that are not functions out and names them as ignored', () => {
    const parsed = openaiTools(
      [{ type: 'custom', name: 'grammar' }, openaiTool('f'), { type: 'web_search_preview' }].map((tool) => tool as never),
      undefined,
      undefined,
    );
    assert.deepEqual(
      parsed.tools.map((tool) => tool.name),
      ['f'],
    );
    assert.deepEqual(parsed.ignored, ['tools.0.custom', 'tools.2.web_search_preview']);
  });

  it('refuses bad names (64 characters at most), naming function.name', () => {
    for (const name of ['with.dot', 'with space', 'x'.repeat(65), 'x'.repeat(129)]) {
      assert400(() => openaiTools([openaiTool(name)], undefined, undefined), 'tools.0.function.name', /1-64/);
    }
    assert.equal(openaiTools([openaiTool('x'.repeat(64))], undefined, undefined).tools.length, 1);
    assert400(() => openaiTools([{ type: 'function' }], undefined, undefined), 'tools.0.function');
  });

  it('refuses a name declared twice and a parameters schema that is not an object', () => {
    assert400(() => openaiTools([openaiTool('a'), openaiTool('a')], undefined, undefined), 'tools.1.function.name', /declared twice/);
    assert400(
      () => openaiTools([openaiTool('a', { parameters: { type: 'array' } })], undefined, undefined),
      'tools.0.function.parameters',
      /"type": "object"/,
    );
  });

  it('maps tool_choice none, auto, required and a named function; parallel_tool_calls false allows one call', () => {
    const tools = [openaiTool('a'), openaiTool('b')];
    assert.deepEqual(openaiTools(tools, 'none', undefined).toolChoice, { type: 'none' });
    assert.deepEqual(openaiTools(tools, 'auto', undefined).toolChoice, { type: 'auto' });
    assert.deepEqual(openaiTools(tools, 'required', undefined).toolChoice, { type: 'any' });
    assert.deepEqual(openaiTools(tools, { type: 'function', function: { name: 'b' } }, undefined).toolChoice, { type: 'tool', name: 'b' });
    assert.equal(openaiTools(tools, undefined, false).parallelToolCalls, false);
    assert.equal(openaiTools(tools, undefined, true).parallelToolCalls, true);
  });

  it('allowed_tools offers only the listed tools, in auto or required mode', () => {
    const tools = [openaiTool('a'), openaiTool('b'), openaiTool('c')];
    const auto = openaiTools(
      tools,
      {
        type: 'allowed_tools',
        allowed_tools: {
          mode: 'auto',
          tools: [
            { type: 'function', function: { name: 'c' } },
            { type: 'function', name: 'a' },
          ],
        },
      },
      undefined,
    );
    assert.deepEqual(
      auto.tools.map((tool) => tool.name),
      ['a', 'c'],
    );
    assert.deepEqual(auto.toolChoice, { type: 'auto' });
    const required = openaiTools(
      tools,
      { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'b' } }] } },
      undefined,
    );
    assert.deepEqual([required.tools.map((tool) => tool.name), required.toolChoice], [['b'], { type: 'any' }]);
    assert400(
      () => openaiTools(tools, { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [] } }, undefined),
      'tool_choice',
      /no tool/,
    );
  });

  it('refuses a named function that is not declared, naming tool_choice.function.name', () => {
    assert400(
      () => openaiTools([openaiTool('a')], { type: 'function', function: { name: 'zz' } }, undefined),
      'tool_choice.function.name',
      /"zz".*not among/,
    );
    assert400(() => openaiTools(undefined, 'required', undefined), 'tool_choice', /no tool/);
  });
});

describe('tools through the request parsers', () => {
  it('Anthropic: a request with tools and tool_choice carries them', () => {
    const parsed = parseAnthropicRequest({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [
        { name: 'get_weather', description: 'Weather', input_schema: WEATHER_SCHEMA },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
    assert.deepEqual(parsed.tools, [{ name: 'get_weather', description: 'Weather', inputSchema: WEATHER_SCHEMA }]);
    assert.deepEqual(parsed.toolChoice, { type: 'any' });
    assert.equal(parsed.parallelToolCalls, false);
    assert.deepEqual(parsed.ignored, ['tools.1.web_search_20250305']);
  });

  it('OpenAI: a request with tools, tool_choice and parallel_tool_calls carries them; null means absent', () => {
    const parsed = parseOpenAIRequest({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [openaiTool('get_weather', { parameters: WEATHER_SCHEMA })],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
    assert.deepEqual(parsed.tools, [{ name: 'get_weather', description: '', inputSchema: WEATHER_SCHEMA }]);
    assert.deepEqual(parsed.toolChoice, { type: 'tool', name: 'get_weather' });
    assert.equal(parsed.parallelToolCalls, false);
    const nulls = parseOpenAIRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      tools: null,
      tool_choice: null,
      parallel_tool_calls: null,
    });
    assert.deepEqual([nulls.tools, nulls.toolChoice, nulls.parallelToolCalls], [[], { type: 'auto' }, true]);
  });

  it('a tool_choice of an unknown kind is a 400 naming tool_choice', () => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    assert400(() => parseOpenAIRequest({ ...base, tool_choice: 'sometimes' }), 'tool_choice');
    assert400(() => parseAnthropicRequest({ ...base, tool_choice: { type: 'sometimes' } }), 'tool_choice.type');
  });
});

describe('structuredSchema', () => {
  it('closes every object the Messages API would otherwise refuse, and leaves explicit choices alone', () => {
    const schema = {
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
        either: { anyOf: [{ type: 'object', properties: {} }, { type: 'string' }] },
        open: { type: 'object', additionalProperties: true },
        ref: { $ref: '#/$defs/node' },
      },
      $defs: { node: { type: 'object', properties: { v: { type: 'number' } } } },
    };
    assert.deepEqual(structuredSchema(schema, 'f'), {
      type: 'object',
      additionalProperties: false,
      properties: {
        list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } },
        either: { anyOf: [{ type: 'object', properties: {}, additionalProperties: false }, { type: 'string' }] },
        open: { type: 'object', additionalProperties: true },
        ref: { $ref: '#/$defs/node' },
      },
      $defs: { node: { type: 'object', properties: { v: { type: 'number' } }, additionalProperties: false } },
    });
  });

  it('keeps an object schema, closing its objects; a missing one is any object; other top levels are refused', () => {
    assert.deepEqual(structuredSchema(WEATHER_SCHEMA, 'f'), { ...WEATHER_SCHEMA, additionalProperties: false });
    assert.deepEqual(structuredSchema(undefined, 'f'), { type: 'object', additionalProperties: true });
    assert400(
      () => structuredSchema({ type: 'array', items: {} }, 'response_format.json_schema.schema'),
      'response_format.json_schema.schema',
    );
  });
});
