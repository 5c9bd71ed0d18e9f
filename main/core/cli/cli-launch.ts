import type { ChatRequest } from '../api/chat-request.js';
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

export type LaunchRequest = Pick<ChatRequest, 'cliModel' | 'thinking' | 'thinkingBudget' | 'maxTokens'>;

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
  return { command, args: [...args, ...cliArgs(request)], env: cliEnv(extra, baseEnv), cwd };
}
