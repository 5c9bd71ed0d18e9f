import type { ChatRequest, ToolChoice } from '../api/chat-request.js';
import { cliEnv, type CliCommand } from './cli-locate.js';
import type { CliLaunch } from './cli-process.js';

/**
 * The argv and environment for one turn. Everything request-specific that must
 * be fixed at spawn time (model, thinking, output cap) is here; the prompt and
 * system prompt never are: they go in on stdin.
 */

/** Values as `--flag=value`, so a value starting with `-` cannot be read as another flag. */
export const BASE_ARGS = [
  '-p',
  '--output-format=stream-json',
  '--verbose',
  '--include-partial-messages',
  '--input-format=stream-json',
  '--tools=',
  '--max-turns=1',
  '--setting-sources=',
  '--strict-mcp-config',
  '--no-session-persistence',
  '--permission-mode=dontAsk',
] as const;

export type LaunchRequest = Pick<ChatRequest, 'cliModel' | 'thinking' | 'thinkingBudget' | 'maxTokens'> &
  Partial<Pick<ChatRequest, 'tools' | 'toolChoice' | 'parallelToolCalls' | 'jsonSchema'>>;

/** The `tool_choice` the API request must carry, or undefined for the default (auto, parallel calls allowed). */
export function apiToolChoice(request: LaunchRequest): (ToolChoice & { disable_parallel_tool_use?: boolean }) | undefined {
  if ((request.tools ?? []).length === 0) return undefined;
  const choice: ToolChoice = request.toolChoice ?? { type: 'auto' };
  const serial = request.parallelToolCalls === false && choice.type !== 'none';
  if (choice.type === 'auto' && !serial) return undefined;
  return serial ? { ...choice, disable_parallel_tool_use: true } : choice;
}

/**
 * Thinking: CLI 2.1.331 thinks by default (a 31,999-token budget for 4-5
 * models), so a request that did not ask gets `--thinking=disabled`; a budget
 * goes in MAX_THINKING_TOKENS, which `--thinking=enabled` would override. The
 * 5-5 models think adaptively whatever is passed; the turn translator drops
 * their thinking blocks for clients that did not ask.
 */
export function cliArgs(request: LaunchRequest): string[] {
  return [...BASE_ARGS, `--model=${request.cliModel}`, ...(request.thinking ? [] : ['--thinking=disabled'])];
}

/** `cli` is the binary, or what to run for it (Node and a script, behind a Windows npm shim). */
export function buildLaunch(cli: string | CliCommand, cwd: string, request: LaunchRequest, baseEnv?: NodeJS.ProcessEnv): CliLaunch {
  const { command, args } = typeof cli === 'string' ? { command: cli, args: [] } : cli;
  const extra: Record<string, string> = {};
  if (request.maxTokens !== undefined) extra.CLAUDE_CODE_MAX_OUTPUT_TOKENS = String(request.maxTokens);
  if (request.thinking && request.thinkingBudget !== undefined) extra.MAX_THINKING_TOKENS = String(request.thinkingBudget);
  // The CLI has no flag for tool_choice or structured output; this variable is merged into its API
  // request body (deeply: the CLI's own output_config.effort stays beside the format).
  const toolChoice = apiToolChoice(request);
  const extraBody = {
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(request.jsonSchema ? { output_config: { format: { type: 'json_schema', schema: request.jsonSchema } } } : {}),
  };
  if (Object.keys(extraBody).length > 0) extra.CLAUDE_CODE_EXTRA_BODY = JSON.stringify(extraBody);
  return { command, args: [...args, ...cliArgs(request)], env: cliEnv(extra, baseEnv), cwd };
}
