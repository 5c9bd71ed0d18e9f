import { z } from 'zod';
import type { ContentPart } from './chat-request.js';
import { ProxyError } from '../errors.js';

/**
 * Content blocks both dialects may send. Anthropic blocks are accepted on the
 * OpenAI route too, because the API reference shows Anthropic-style bodies there.
 */

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Array caps, far above real use (Claude Code's longest sessions hold a few
 * thousand messages), so validation never walks an unbounded list; the
 * body's value cap (json-body.ts) already bounds what reaches it.
 */
export const MAX_MESSAGES = 10_000;
export const MAX_BLOCKS = 1_000;

export const textBlock = z.object({ type: z.literal('text'), text: z.string() });

export const anthropicImageBlock = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('base64'),
      media_type: z.enum(IMAGE_TYPES),
      data: z.string().min(1).regex(BASE64, 'must be base64'),
    }),
    z.object({ type: z.literal('url'), url: z.string() }),
  ]),
});

export const openaiImagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string(), detail: z.string().optional() }),
});

/** Blocks from earlier turns that only make sense as text to the CLI (no tools are enabled). */
export const toolUseBlock = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() });
export const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })).max(MAX_BLOCKS)]).optional(),
  is_error: z.boolean().optional(),
});
/** Thinking from earlier turns is dropped: the CLI cannot be handed past reasoning. */
export const thinkingBlock = z.object({ type: z.enum(['thinking', 'redacted_thinking']) }).loose();

export type AnthropicImageBlock = z.infer<typeof anthropicImageBlock>;

const DATA_URL = /^data:(image\/[a-z+.-]+);base64,(.*)$/s;

export function imageFromAnthropic(block: AnthropicImageBlock, field: string): ContentPart {
  if (block.source.type === 'url') throw remoteImageError(field);
  return { type: 'image', mediaType: block.source.media_type, data: block.source.data };
}

export function imageFromDataUrl(url: string, field: string): ContentPart {
  const match = DATA_URL.exec(url);
  if (!match) throw remoteImageError(field);
  const [, mediaType, data] = match as unknown as [string, string, string];
  if (!(IMAGE_TYPES as readonly string[]).includes(mediaType) || !BASE64.test(data) || data.length === 0) {
    throw new ProxyError('invalid_request_error', `${field}: image must be base64 PNG, JPEG, GIF or WebP`, {
      code: 'validation_error',
      details: { field, issue: 'unsupported image data' },
    });
  }
  return { type: 'image', mediaType, data };
}

function remoteImageError(field: string) {
  return new ProxyError(
    'invalid_request_error',
    `${field}: images must be sent inline as base64 (a data: URL); the proxy does not fetch image URLs`,
    { code: 'validation_error', details: { field, issue: 'image URL not supported' } },
  );
}

export function toolBlockAsText(block: z.infer<typeof toolUseBlock> | z.infer<typeof toolResultBlock>): string {
  if (block.type === 'tool_use') return `[tool call ${block.name}: ${JSON.stringify(block.input)}]`;
  const content =
    typeof block.content === 'string'
      ? block.content
      : (block.content ?? []).map((part) => (typeof part.text === 'string' ? part.text : `[${part.type}]`)).join('');
  return `[tool result${block.is_error ? ' (error)' : ''}: ${content}]`;
}

type Block =
  | z.infer<typeof textBlock>
  | z.infer<typeof anthropicImageBlock>
  | z.infer<typeof openaiImagePart>
  | z.infer<typeof toolUseBlock>
  | z.infer<typeof toolResultBlock>
  | z.infer<typeof thinkingBlock>;

/**
 * Content as either dialect sends it, as the proxy's parts. `field` names the
 * content in errors (e.g. `messages.2.content`).
 */
export function toParts(content: string | readonly Block[] | null | undefined, field: string): ContentPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const parts: ContentPart[] = [];
  content.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: block.text });
        break;
      case 'image':
        parts.push(imageFromAnthropic(block, `${field}.${index}.source`));
        break;
      case 'image_url':
        parts.push(imageFromDataUrl(block.image_url.url, `${field}.${index}.image_url.url`));
        break;
      case 'tool_use':
      case 'tool_result':
        parts.push({ type: 'text', text: toolBlockAsText(block) });
        break;
      // Past thinking cannot be handed to the CLI; it is dropped.
      case 'thinking':
      case 'redacted_thinking':
        break;
    }
  });
  return parts;
}
