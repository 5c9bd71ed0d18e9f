import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { ChatRequest } from '../core/api/chat-request.js';
import { parseCliLine } from '../core/cli/cli-events.js';
import { buildLaunch } from '../core/cli/cli-launch.js';
import { LineFramer } from '../core/cli/line-framer.js';
import { initializeLine, userLine } from '../core/cli/cli-input.js';

/** One timed request: time to the first token of text, and to the end of the answer. */
export interface Timing {
  ttftMs: number;
  totalMs: number;
}

/**
 * The baseline: what a client would pay spawning the same CLI itself, with the
 * same flags and stdin, timed from spawn to the first text delta and to exit.
 */
export function directSpawn(cliPath: string, cwd: string, env: NodeJS.ProcessEnv, prompt: string, model: string): Promise<Timing> {
  const request: ChatRequest = {
    api: 'anthropic',
    model,
    cliModel: model,
    system: 'You are terse.',
    messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
    tools: [],
    toolChoice: { type: 'auto' },
    parallelToolCalls: true,
    jsonSchema: undefined,
    maxTokens: 256,
    stopSequences: [],
    thinking: false,
    stream: true,
    includeUsage: false,
    ignored: [],
  };
  const launch = buildLaunch(cliPath, cwd, request, env);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ttft = NaN;
    const child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: launch.env, stdio: ['pipe', 'pipe', 'ignore'] });
    const framer = new LineFramer(16 * 1024 * 1024);
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of framer.push(chunk)) {
        if (!Number.isNaN(ttft)) continue;
        const event = parseCliLine(line);
        if (event?.type === 'stream_event' && event.event.type === 'content_block_delta' && event.event.delta.type === 'text_delta') {
          ttft = performance.now() - started;
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`direct CLI exited with ${code}`));
      else resolve({ ttftMs: ttft, totalMs: performance.now() - started });
    });
    child.stdin.end(`${initializeLine(request)}\n${userLine(request.messages[0]!.content, true)}\n`);
  });
}

/** A request through the proxy over HTTP, as a client sees it. */
export async function throughProxy(
  baseUrl: string,
  api: 'anthropic' | 'openai',
  stream: boolean,
  prompt: string,
  model: string,
): Promise<Timing> {
  const started = performance.now();
  const path = api === 'anthropic' ? '/v1/messages' : '/v1/chat/completions';
  const body =
    api === 'anthropic'
      ? { model, max_tokens: 256, stream, system: 'You are terse.', messages: [{ role: 'user', content: prompt }] }
      : {
          model,
          max_tokens: 256,
          stream,
          messages: [
            { role: 'system', content: 'You are terse.' },
            { role: 'user', content: prompt },
          ],
        };
  return timedPost(`${baseUrl}${path}`, body, stream, started);
}

/** A POST timed from `started` to the first text delta (streamed) and to the end of the answer. */
export async function timedPost(url: string, body: unknown, stream: boolean, started = performance.now()): Promise<Timing> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`proxy answered ${res.status}: ${await res.text()}`);
  if (!stream) {
    await res.text();
    const total = performance.now() - started;
    return { ttftMs: total, totalMs: total };
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let seen = '';
  let ttft = NaN;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (Number.isNaN(ttft)) {
      seen += decoder.decode(value, { stream: true });
      if (seen.includes('"text_delta"') || /"content":"[^"]/.test(seen)) ttft = performance.now() - started;
    }
  }
  return { ttftMs: ttft, totalMs: performance.now() - started };
}
