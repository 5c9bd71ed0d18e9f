import type { CliBlock } from './chat-request.js';

/**
 * A thinking block carried through a client as a reasoning item's
 * `encrypted_content`, so that stateless clients (Codex sends `store: false`
 * and asks for `reasoning.encrypted_content`) give the model back its own
 * signed thinking, which the Messages API wants before a tool call's result
 * when thinking is on. It is not encrypted: the signature already lets the API
 * refuse a block that was changed. Anything else in that field (OpenAI's own
 * blobs) is not ours and is left out.
 */

const PREFIX = 'ccp-thinking-v1.';

export function reasoningFromThinking(thinking: string, signature: string): string {
  return PREFIX + Buffer.from(JSON.stringify({ thinking, signature }), 'utf8').toString('base64');
}

export function thinkingFromReasoning(encrypted: string | undefined): CliBlock | undefined {
  if (!encrypted?.startsWith(PREFIX)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(encrypted.slice(PREFIX.length), 'base64').toString('utf8'));
    const { thinking, signature } = (value ?? {}) as Record<string, unknown>;
    if (typeof thinking !== 'string' || typeof signature !== 'string' || signature === '') return undefined;
    return { type: 'thinking', thinking, signature };
  } catch {
    return undefined;
  }
}
