import { z } from 'zod';
import type { Base64Source, CliBlock } from './chat-request.js';
import { fieldError, parseField } from './validation.js';

/**
 * Content blocks as the clients send them, checked and turned into the blocks
 * the CLI passes on to the model. Each block is parsed by its own schema, so a
 * bad block gets a 400 naming the block and what is wrong with it, and a block
 * the CLI cannot carry is named with the reason instead of "Invalid input".
 * Anthropic blocks are accepted on the OpenAI route too, because the API
 * reference shows Anthropic-style bodies there.
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

/** What a conversion notes besides its blocks: hints accepted but not passed on (`cache_control`). */
export interface ContentNotes {
  ignored: Set<string>;
}

const base64 = z.string().min(1).regex(BASE64, 'must be base64');
export const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const imageSource = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('base64'), media_type: z.enum(IMAGE_TYPES), data: base64 }),
  z.looseObject({ type: z.literal('url'), url: z.string() }),
  z.looseObject({ type: z.literal('file'), file_id: z.string() }),
]);
const imageBlock = z.looseObject({ type: z.literal('image'), source: imageSource });
const documentBlock = z.looseObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: base64 }),
    z.looseObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
    z.looseObject({
      type: z.literal('content'),
      content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })).max(MAX_BLOCKS)]),
    }),
    z.looseObject({ type: z.literal('url'), url: z.string() }),
    z.looseObject({ type: z.literal('file'), file_id: z.string() }),
  ]),
  title: z.string().nullable().optional(),
  context: z.string().nullable().optional(),
  citations: z.looseObject({ enabled: z.boolean() }).nullable().optional(),
});
const searchResultBlock = z.looseObject({
  type: z.literal('search_result'),
  source: z.string(),
  title: z.string(),
  content: z.array(textBlock).max(MAX_BLOCKS),
  citations: z.looseObject({ enabled: z.boolean() }).nullable().optional(),
});
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })).max(MAX_BLOCKS)]).optional(),
  is_error: z.boolean().optional(),
});
const thinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
const redactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });
const imageUrlPart = z.looseObject({ type: z.literal('image_url'), image_url: z.looseObject({ url: z.string() }) });
const filePart = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
});
const refusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

/** A loosely checked block: its own schema checks it once its type is known. */
export const anyBlock = z.looseObject({ type: z.string() });
export type AnyBlock = z.infer<typeof anyBlock>;

/** Blocks the Messages API has that the CLI cannot replay, with the reason a client is told. */
const NOT_CARRIED: Record<string, string> = {
  server_tool_use: 'results of Anthropic server tools cannot be replayed through the Claude CLI',
  web_search_tool_result: 'results of Anthropic server tools cannot be replayed through the Claude CLI',
  web_fetch_tool_result: 'results of Anthropic server tools cannot be replayed through the Claude CLI',
  code_execution_tool_result: 'results of Anthropic server tools cannot be replayed through the Claude CLI',
  mcp_tool_use: 'MCP connector blocks cannot be replayed through the Claude CLI',
  mcp_tool_result: 'MCP connector blocks cannot be replayed through the Claude CLI',
  container_upload: 'the code execution container is not available through the Claude CLI',
  input_audio: 'audio input is not supported: Claude reads text, images and PDF documents',
  audio: 'audio input is not supported: Claude reads text, images and PDF documents',
};

/** Notes a block's (or a system block's, or a tool's) `cache_control` as not passed on. */
export function noteCacheControl(block: Record<string, unknown>, notes: ContentNotes): void {
  // The CLI places its own cache breakpoints (the API allows four); the client's hints are not passed on.
  if (block.cache_control !== undefined && block.cache_control !== null) notes.ignored.add('cache_control');
}

function imageFrom(source: z.infer<typeof imageSource>, field: string): CliBlock {
  if (source.type === 'base64') return { type: 'image', source: { type: 'base64', media_type: source.media_type, data: source.data } };
  if (source.type === 'file')
    throw fieldError(`${field}.source`, 'file ids need the Files API, which the Claude CLI cannot reach; send the image inline as base64');
  throw fieldError(`${field}.source`, 'images must be sent inline as base64 (a data: URL); the proxy does not fetch image URLs');
}

const DATA_URL = /^data:([a-z]+\/[a-z0-9+.-]+);base64,(.*)$/is;

function fromDataUrl(url: string, field: string, what: 'image' | 'file'): Base64Source {
  const match = DATA_URL.exec(url);
  if (!match) {
    throw fieldError(
      field,
      what === 'image'
        ? 'images must be sent inline as base64 (a data: URL); the proxy does not fetch image URLs'
        : 'file_data must be a base64 data: URL',
    );
  }
  const [, mediaType, data] = match as unknown as [string, string, string];
  if (!BASE64.test(data) || data.length === 0) throw fieldError(field, `${what} data must be base64`);
  return { type: 'base64', media_type: mediaType.toLowerCase(), data };
}

/** `data:image/png;base64,…` as an image block. */
export function imageFromDataUrl(url: string, field: string): CliBlock {
  const source = fromDataUrl(url, field, 'image');
  if (!(IMAGE_TYPES as readonly string[]).includes(source.media_type)) {
    throw fieldError(field, 'image must be base64 PNG, JPEG, GIF or WebP');
  }
  return { type: 'image', source };
}

/** `data:application/pdf;base64,…` as a document block, titled with its file name. */
export function pdfFromDataUrl(url: string, field: string, filename?: string): CliBlock {
  const source = fromDataUrl(url, field, 'file');
  if (source.media_type !== 'application/pdf') throw fieldError(field, 'only PDF files can be sent (application/pdf)');
  return { type: 'document', source, ...(filename ? { title: filename } : {}) };
}

function documentFrom(block: z.infer<typeof documentBlock>, field: string, notes: ContentNotes): CliBlock {
  const { source } = block;
  let cliSource: Extract<CliBlock, { type: 'document' }>['source'];
  if (source.type === 'base64') cliSource = { type: 'base64', media_type: source.media_type, data: source.data };
  else if (source.type === 'text') cliSource = { type: 'text', media_type: 'text/plain', data: source.data };
  else if (source.type === 'content') {
    const content = typeof source.content === 'string' ? [{ type: 'text', text: source.content }] : source.content;
    cliSource = { type: 'content', content: toBlocks(content, `${field}.source.content`, notes) };
  } else if (source.type === 'url') {
    throw fieldError(`${field}.source`, 'documents must be sent inline (base64 PDF or plain text); the proxy does not fetch URLs');
  } else throw fieldError(`${field}.source`, 'file ids need the Files API, which the Claude CLI cannot reach; send the document inline');
  return {
    type: 'document',
    source: cliSource,
    ...(block.title ? { title: block.title } : {}),
    ...(block.context ? { context: block.context } : {}),
    ...(block.citations ? { citations: { enabled: block.citations.enabled } } : {}),
  };
}

function toolResultFrom(block: z.infer<typeof toolResultBlock>, field: string, notes: ContentNotes): CliBlock {
  return {
    type: 'tool_result',
    tool_use_id: block.tool_use_id,
    ...(block.content === undefined
      ? {}
      : { content: typeof block.content === 'string' ? block.content : toBlocks(block.content, `${field}.content`, notes) }),
    ...(block.is_error === undefined ? {} : { is_error: block.is_error }),
  };
}

/** One block, either dialect's, as the CLI's block; `field` names it in errors (`messages.2.content.0`). */
export function toBlock(raw: AnyBlock, field: string, notes: ContentNotes): CliBlock {
  noteCacheControl(raw, notes);
  switch (raw.type) {
    case 'text':
      return { type: 'text', text: parseField(textBlock, raw, field).text };
    case 'image':
      return imageFrom(parseField(imageBlock, raw, field).source, field);
    case 'image_url':
      return imageFromDataUrl(parseField(imageUrlPart, raw, field).image_url.url, `${field}.image_url.url`);
    case 'document':
      return documentFrom(parseField(documentBlock, raw, field), field, notes);
    case 'file': {
      const { file } = parseField(filePart, raw, field);
      if (file.file_data === undefined) {
        throw fieldError(
          `${field}.file`,
          'file ids need the Files API, which the Claude CLI cannot reach; send file_data as a base64 data: URL',
        );
      }
      return pdfFromDataUrl(file.file_data, `${field}.file.file_data`, file.filename);
    }
    case 'search_result': {
      const block = parseField(searchResultBlock, raw, field);
      return {
        type: 'search_result',
        source: block.source,
        title: block.title,
        content: block.content.map((part) => ({ type: 'text' as const, text: part.text })),
        ...(block.citations ? { citations: { enabled: block.citations.enabled } } : {}),
      };
    }
    case 'tool_use': {
      const block = parseField(toolUseBlock, raw, field);
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
    }
    case 'tool_result':
      return toolResultFrom(parseField(toolResultBlock, raw, field), field, notes);
    case 'thinking': {
      const block = parseField(thinkingBlock, raw, field);
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    }
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: parseField(redactedThinkingBlock, raw, field).data };
    case 'refusal':
      return { type: 'text', text: parseField(refusalPart, raw, field).refusal };
    default: {
      const reason = NOT_CARRIED[raw.type];
      throw fieldError(`${field}.type`, reason ? `"${raw.type}": ${reason}` : `"${raw.type}" is not a content block type the proxy knows`);
    }
  }
}

export function toBlocks(content: readonly AnyBlock[], field: string, notes: ContentNotes): CliBlock[] {
  return content.map((block, index) => toBlock(block, `${field}.${index}`, notes));
}

/** Message content, either dialect's: a string stays a string. */
export function toContent(
  content: string | readonly AnyBlock[] | null | undefined,
  field: string,
  notes: ContentNotes,
): string | CliBlock[] {
  if (content === null || content === undefined) return [];
  return typeof content === 'string' ? content : toBlocks(content, field, notes);
}

/** Content as blocks: a string is one text block, an empty one none. */
export function asBlocks(content: string | CliBlock[]): CliBlock[] {
  if (typeof content !== 'string') return content;
  return content === '' ? [] : [{ type: 'text', text: content }];
}

/** The text of content, for system prompts given as blocks or messages. */
export function contentText(content: string | readonly CliBlock[]): string {
  if (typeof content === 'string') return content;
  return content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

/**
 * The Messages API refuses an empty turn (except a final assistant one); the
 * CLI would instead drop it silently, and the conversation would shift.
 */
export function requireContent(content: string | readonly CliBlock[], field: string): void {
  if (content.length === 0) throw fieldError(field, 'must not be empty');
}
