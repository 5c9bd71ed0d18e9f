import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage } from '../api/chat-request.js';
import { cliInputLines, renderConversation } from './cli-input.js';

const GIF = 'R0lGODlhAQABAAAAACw=';
const text = (value: string) => ({ type: 'text' as const, text: value });
const image = { type: 'image' as const, mediaType: 'image/gif', data: GIF };
const cliImage = { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: GIF } };
const user = (...content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });
const assistant = (...content: ChatMessage['content']): ChatMessage => ({ role: 'assistant', content });

function textBlocks(content: ReturnType<typeof renderConversation>): string[] {
  return content.map((block) => (block.type === 'text' ? block.text : '<image>'));
}

describe('cliInputLines', () => {
  it('writes the initialize control request with the system prompt, then the user line', () => {
    const lines = cliInputLines({ system: 'Be terse.', messages: [user(text('Hi'))] });
    assert.equal(lines.length, 2);
    assert.ok(
      lines.every((line) => !line.includes('\n')),
      'one JSON object a line',
    );
    assert.deepEqual(JSON.parse(lines[0]!), {
      type: 'control_request',
      request_id: 'init',
      request: { subtype: 'initialize', systemPrompt: ['Be terse.'] },
    });
    assert.deepEqual(JSON.parse(lines[1]!), { type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'Hi' }] } });
  });

  it('sends an empty system prompt when the client gave none (no agent prompt)', () => {
    const [init] = cliInputLines({ system: undefined, messages: [user(text('Hi'))] });
    assert.deepEqual(JSON.parse(init!).request, { subtype: 'initialize', systemPrompt: [] });
  });

  it('keeps a system prompt with newlines and quotes intact', () => {
    const system = 'Line 1\nLine "2"\n\t– ünïcode';
    const [init] = cliInputLines({ system, messages: [user(text('Hi'))] });
    assert.deepEqual(JSON.parse(init!).request.systemPrompt, [system]);
  });
});

describe('renderConversation', () => {
  it('passes a single user message through, images in place as base64 blocks', () => {
    assert.deepEqual(renderConversation([user(text('What is'), image, text('this?'))]), [text('What is'), cliImage, text('this?')]);
  });

  it('merges neighbouring text parts', () => {
    assert.deepEqual(renderConversation([user(text('a'), text('b'))]), [text('ab')]);
  });

  it('never sends empty content', () => {
    assert.deepEqual(renderConversation([user()]), [text('')]);
  });

  it('renders a multi-turn conversation into one user message, the last user message last', () => {
    const content = renderConversation([user(text('What is 2+2?')), assistant(text('4')), user(text('And 3+3?'))]);
    assert.equal(content.length, 1);
    const [only] = textBlocks(content);
    const first = only!.indexOf('What is 2+2?');
    const answer = only!.indexOf('4', first + 'What is 2+2?'.length);
    const last = only!.lastIndexOf('And 3+3?');
    assert.ok(first >= 0 && first < answer && answer < last, only);
    assert.ok(only!.endsWith('And 3+3?'));
    assert.equal(only!.indexOf('And 3+3?'), last, 'the latest message appears once');
    assert.match(only!, /<user>\nWhat is 2\+2\?\n<\/user>/);
    assert.match(only!, /<assistant>\n4\n<\/assistant>/);
  });

  it('keeps images of earlier turns in their place', () => {
    const content = renderConversation([user(text('Look:'), image, text('What is it?')), assistant(text('A cat.')), user(text('Colour?'))]);
    assert.equal(content.length, 3);
    assert.deepEqual(content[1], cliImage);
    const [before, , after] = textBlocks(content);
    assert.ok(before!.endsWith('Look:'));
    assert.ok(after!.startsWith('What is it?'));
    assert.ok(after!.includes('A cat.'));
    assert.ok(after!.endsWith('Colour?'));
  });

  it('keeps an image in the latest message as the last block', () => {
    const content = renderConversation([user(text('Hi')), assistant(text('Hello')), user(text('See'), image)]);
    assert.deepEqual(content.at(-1), cliImage);
    assert.ok(textBlocks(content).at(-2)!.endsWith('See'));
  });

  it('ending on an assistant message asks the model to continue it', () => {
    const content = renderConversation([user(text('Write a haiku')), assistant(text('Autumn moon'))]);
    const [only] = textBlocks(content);
    assert.equal(content.length, 1);
    assert.ok(only!.indexOf('Write a haiku') < only!.indexOf('Autumn moon'));
    assert.match(only!, /continue/i);
  });

  it('does not change the messages it is given', () => {
    const messages = [user(text('a'), text('b')), assistant(text('c')), user(text('d'))];
    const copy = structuredClone(messages);
    renderConversation(messages);
    renderConversation([messages[0]!]);
    assert.deepEqual(messages, copy);
  });
});
