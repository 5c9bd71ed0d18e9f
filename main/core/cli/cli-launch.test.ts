import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ToolChoice, ToolSpec } from '../api/chat-request.js';
import { apiToolChoice, BASE_ARGS, buildLaunch, type LaunchRequest } from './cli-launch.js';

const TOOL: ToolSpec = { name: 'get_weather', description: 'Weather', inputSchema: { type: 'object' } };
const SCHEMA = { type: 'object', properties: { answer: { type: 'string' } } };
const base: LaunchRequest = { cliModel: 'claude-sonnet-4-5', thinking: false, maxTokens: undefined };

function request(extra: Partial<LaunchRequest> & { toolChoice?: ToolChoice } = {}): LaunchRequest {
  return { ...base, tools: [TOOL], toolChoice: { type: 'auto' }, parallelToolCalls: true, jsonSchema: undefined, ...extra };
}

describe('apiToolChoice', () => {
  it('no tools and no structured output: nothing to send, whatever the choice says', () => {
    assert.equal(apiToolChoice(base), undefined);
    assert.equal(apiToolChoice(request({ tools: [] })), undefined);
    assert.equal(apiToolChoice(request({ tools: [], toolChoice: { type: 'none' }, parallelToolCalls: false })), undefined);
  });

  it('auto with parallel calls allowed is the default: nothing to send', () => {
    assert.equal(apiToolChoice(request()), undefined);
  });

  it('parallel_tool_calls false: auto with disable_parallel_tool_use', () => {
    assert.deepEqual(apiToolChoice(request({ parallelToolCalls: false })), { type: 'auto', disable_parallel_tool_use: true });
    assert.deepEqual(apiToolChoice(request({ toolChoice: { type: 'any' }, parallelToolCalls: false })), {
      type: 'any',
      disable_parallel_tool_use: true,
    });
  });

  it('any, none and a named tool are sent as they are', () => {
    assert.deepEqual(apiToolChoice(request({ toolChoice: { type: 'any' } })), { type: 'any' });
    assert.deepEqual(apiToolChoice(request({ toolChoice: { type: 'none' } })), { type: 'none' });
    assert.deepEqual(apiToolChoice(request({ toolChoice: { type: 'tool', name: 'get_weather' } })), { type: 'tool', name: 'get_weather' });
    // One call at most is moot when none may be made.
    assert.deepEqual(apiToolChoice(request({ toolChoice: { type: 'none' }, parallelToolCalls: false })), { type: 'none' });
  });

  it('structured output does not touch tool_choice (it is the output_config.format of the API)', () => {
    assert.equal(apiToolChoice(request({ tools: [], jsonSchema: SCHEMA })), undefined);
    assert.equal(apiToolChoice(request({ jsonSchema: SCHEMA })), undefined);
    assert.deepEqual(apiToolChoice(request({ jsonSchema: SCHEMA, toolChoice: { type: 'any' } })), { type: 'any' });
  });
});

describe('buildLaunch', () => {
  const userEnv = { PATH: '/usr/bin', CLAUDE_CODE_EXTRA_BODY: '{"temperature":2}', NODE_OPTIONS: '--inspect' };

  it('the argv runs one turn with no built-in tools, and nothing executed (dontAsk, max one turn)', () => {
    const launch = buildLaunch('/bin/claude', '/tmp/cwd', request(), userEnv);
    assert.equal(launch.command, '/bin/claude');
    assert.deepEqual(launch.args, [...BASE_ARGS, '--model=claude-sonnet-4-5', '--thinking=disabled']);
    for (const flag of ['--tools=', '--max-turns=1', '--permission-mode=dontAsk']) assert.ok(launch.args.includes(flag), flag);
    assert.ok(!launch.args.some((arg) => arg.startsWith('--allowedTools')));
  });

  it('client tools under their own names, no tool search placeholder; the user’s own EXTRA_BODY never leaks in', () => {
    const { env } = buildLaunch('/bin/claude', '/tmp/cwd', request(), userEnv);
    assert.equal(env.CLAUDE_AGENT_SDK_MCP_NO_PREFIX, '1');
    assert.equal(env.ENABLE_TOOL_SEARCH, 'false');
    assert.equal(env.CLAUDE_CODE_EXTRA_BODY, undefined);
    assert.equal(env.NODE_OPTIONS, undefined);
  });

  it('a non-default tool_choice and a structured-output schema go into CLAUDE_CODE_EXTRA_BODY', () => {
    const forced = buildLaunch('/bin/claude', '/tmp/cwd', request({ toolChoice: { type: 'tool', name: 'get_weather' } }), userEnv);
    assert.deepEqual(JSON.parse(forced.env.CLAUDE_CODE_EXTRA_BODY!), { tool_choice: { type: 'tool', name: 'get_weather' } });
    const structured = buildLaunch('/bin/claude', '/tmp/cwd', request({ tools: [], jsonSchema: SCHEMA }), userEnv);
    assert.deepEqual(JSON.parse(structured.env.CLAUDE_CODE_EXTRA_BODY!), {
      output_config: { format: { type: 'json_schema', schema: SCHEMA } },
    });
    const both = buildLaunch('/bin/claude', '/tmp/cwd', request({ jsonSchema: SCHEMA, toolChoice: { type: 'any' } }), userEnv);
    assert.deepEqual(Object.keys(JSON.parse(both.env.CLAUDE_CODE_EXTRA_BODY!)), ['tool_choice', 'output_config']);
  });
});
