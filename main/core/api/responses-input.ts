import { z } from 'zod';
import type { ChatMessage, CliBlock } from './chat-request.js';
import { asBlocks, imageFromDataUrl, MAX_BLOCKS, pdfFromDataUrl } from './content.js';
import { capString } from '../limits/client-strings.js';
import { thinkingFromReasoning } from './responses-reasoning.js';
import { fieldError, parseField, toolArguments } from './validation.js';

/**
 * The Responses API's input items as the turns they were: user, system and
 * developer messages; assistant messages, function calls and reasoning items,
 * which together are one assistant turn; function call outputs, which are the
 * next user turn's tool results. A call's `call_id` is the tool_use id, so a
 * result reaches the model paired with its call. Items that only OpenAI's
 * servers could resolve or produce are refused with a 400 naming them.
 */

const part = z.looseObject({ type: z.string() });
const parts = z.array(part).max(MAX_BLOCKS);

export const inputItem = z.looseObject({ type: z.string().optional(), role: z.string().optional() });
export type InputItem = z.infer<typeof inputItem>;

const messageItem = z.looseObject({
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), parts]),
});
const functionCall = z.looseObject({ call_id: z.string().min(1), name: z.string().min(1), arguments: z.string() });
const functionOutput = z.looseObject({ call_id: z.string().min(1), output: z.union([z.string(), parts]) });
const reasoningItem = z.looseObject({
  summary: z
    .array(z.looseObject({ text: z.string() }))
    .max(MAX_BLOCKS)
    .optional(),
  encrypted_content: z.string().nullable().optional(),
});

const stringField = (raw: Record<string, unknown>, key: string): string | undefined =>
  typeof raw[key] === 'string' ? raw[key] : undefined;

/** One content part as the CLI's block; `field` names it in errors (`input.2.content.0`). */
function partBlock(raw: z.infer<typeof part>, field: string): CliBlock {
  switch (raw.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return { type: 'text', text: parseField(z.looseObject({ text: z.string() }), raw, field).text };
    case 'refusal':
      return { type: 'text', text: parseField(z.looseObject({ refusal: z.string() }), raw, field).refusal };
    case 'input_image': {
      const url = stringField(raw, 'image_url');
      if (url === undefined) {
        throw fieldError(
          `${field}.image_url`,
          'file ids need the Files API, which the Claude CLI cannot reach; send the image as a base64 data: URL',
        );
      }
      return imageFromDataUrl(url, `${field}.image_url`);
    }
    case 'input_file': {
      const data = stringField(raw, 'file_data');
      if (data === undefined) {
        throw fieldError(`${field}.file_data`, 'file ids and URLs are not supported: send the PDF as file_data, a base64 data: URL');
      }
      return pdfFromDataUrl(data, `${field}.file_data`, stringField(raw, 'filename'));
    }
    default:
      throw fieldError(`${field}.type`, `"${capString(raw.type, 40)}" is not a content part the proxy can pass to Claude`);
  }
}

function blocks(content: string | z.infer<typeof parts>, field: string): CliBlock[] {
  if (typeof content === 'string') return asBlocks(content);
  // The Messages API refuses empty text blocks; an empty part says nothing anyway.
  return content.map((p, index) => partBlock(p, `${field}.${index}`)).filter((block) => block.type !== 'text' || block.text !== '');
}

function toolUse(item: z.infer<typeof functionCall>, field: string): CliBlock {
  return { type: 'tool_use', id: item.call_id, name: item.name, input: toolArguments(item.arguments, `${field}.arguments`) };
}

/** Builds the turns: same-role items in a row are one turn, as the Messages API wants. */
class Turns {
  readonly messages: ChatMessage[] = [];

  push(role: ChatMessage['role'], content: CliBlock[]): void {
    const last = this.messages.at(-1);
    if (last?.role === role && typeof last.content !== 'string') last.content.push(...content);
    else this.messages.push({ role, content: [...content] });
  }
}

/** Converts input items; system and developer text goes to `systemParts`. */
export function inputTurns(input: string | InputItem[], systemParts: string[]): ChatMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const turns = new Turns();
  input.forEach((raw, index) => {
    const field = `input.${index}`;
    const type = raw.type ?? 'message';
    switch (type) {
      case 'message': {
        const item = parseField(messageItem, raw, field);
        const content = blocks(item.content, `${field}.content`);
        if (item.role === 'system' || item.role === 'developer') {
          systemParts.push(content.map((block) => (block.type === 'text' ? block.text : '')).join(''));
        } else turns.push(item.role, content);
        break;
      }
      case 'function_call':
        turns.push('assistant', [toolUse(parseField(functionCall, raw, field), field)]);
        break;
      case 'function_call_output': {
        const item = parseField(functionOutput, raw, field);
        const output = typeof item.output === 'string' ? item.output : blocks(item.output, `${field}.output`);
        turns.push('user', [{ type: 'tool_result', tool_use_id: item.call_id, content: output }]);
        break;
      }
      case 'reasoning': {
        // A reasoning item of the proxy's own carries the thinking block it stood for; others are accepted and left out.
        const thinking = thinkingFromReasoning(parseField(reasoningItem, raw, field).encrypted_content ?? undefined);
        if (thinking) turns.push('assistant', [thinking]);
        break;
      }
      case 'item_reference':
        throw fieldError(`${field}.type`, 'item references are not supported: send the items themselves, or use previous_response_id');
      default:
        throw fieldError(
          `${field}.type`,
          `"${capString(type, 40)}" items cannot be passed to Claude (only messages, function calls and their outputs)`,
        );
    }
  });
  return turns.messages;
}
