import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../errors.js';
import { imageFromDataUrl, toBlock, toContent, type ContentNotes } from './content.js';

const GIF = 'R0lGODlhAQABAAAAACw=';
const PDF = 'JVBERi0xLjQK';

function notes(): ContentNotes {
  return { ignored: new Set() };
}

function assert400(fn: () => unknown, field: string, issue?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'validation_error');
    assert.equal(error.details?.field, field);
    if (issue) assert.match(String(error.details?.issue), issue);
    return true;
  });
}

describe('imageFromDataUrl', () => {
  it('accepts base64 PNG, JPEG, GIF and WebP', () => {
    for (const mediaType of ['image/png', 'image/jpeg', 'image/gif', 'image/webp']) {
      assert.deepEqual(imageFromDataUrl(`data:${mediaType};base64,${GIF}`, 'f'), {
        type: 'image',
        source: { type: 'base64', media_type: mediaType, data: GIF },
      });
    }
  });

  it('refuses remote URLs, other media types, non-base64 and empty data, naming the field', () => {
    assert400(
      () => imageFromDataUrl('https://example.com/a.png', 'messages.0.content.0.image_url.url'),
      'messages.0.content.0.image_url.url',
    );
    assert400(() => imageFromDataUrl('http://127.0.0.1/a.png', 'x'), 'x');
    assert400(() => imageFromDataUrl(`data:image/svg+xml;base64,${GIF}`, 'x'), 'x');
    assert400(() => imageFromDataUrl('data:image/png;base64,a b c', 'x'), 'x');
    assert400(() => imageFromDataUrl('data:image/png;base64,', 'x'), 'x');
    assert400(() => imageFromDataUrl(`data:image/png,${GIF}`, 'x'), 'x');
  });
});

describe('toBlock', () => {
  it('passes the Messages API blocks on as they are, ids and errors kept', () => {
    const blocks = [
      { type: 'text', text: 'hi' },
      { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: GIF } },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '21C' }], is_error: true },
      { type: 'tool_result', tool_use_id: 'toolu_2', content: 'plain' },
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'Doc' },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain text' } },
      { type: 'search_result', source: 'https://x.test', title: 'X', content: [{ type: 'text', text: 'found' }] },
    ];
    assert.deepEqual(toContent(blocks, 'messages.0.content', notes()), blocks);
  });

  it('keeps string content a string', () => {
    assert.equal(toContent('Hi', 'messages.0.content', notes()), 'Hi');
  });

  it('turns OpenAI parts into the same blocks: data-URL images and PDF files', () => {
    assert.deepEqual(toBlock({ type: 'image_url', image_url: { url: `data:image/gif;base64,${GIF}` } }, 'm', notes()), {
      type: 'image',
      source: { type: 'base64', media_type: 'image/gif', data: GIF },
    });
    assert.deepEqual(
      toBlock({ type: 'file', file: { file_data: `data:application/pdf;base64,${PDF}`, filename: 'a.pdf' } }, 'm', notes()),
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: PDF },
        title: 'a.pdf',
      },
    );
  });

  it('notes cache_control as not passed on, and drops it', () => {
    const seen = notes();
    assert.deepEqual(toBlock({ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }, 'm', seen), { type: 'text', text: 'x' });
    assert.deepEqual([...seen.ignored], ['cache_control']);
  });

  it('names a part the CLI cannot carry, and why', () => {
    assert400(
      () => toBlock({ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }, 'messages.1.content.0', notes()),
      'messages.1.content.0.type',
      /audio/,
    );
    assert400(
      () => toBlock({ type: 'file', file: { file_id: 'file-1' } }, 'messages.1.content.0', notes()),
      'messages.1.content.0.file',
      /Files API/,
    );
    assert400(
      () => toBlock({ type: 'server_tool_use', id: 'x' }, 'messages.1.content.2', notes()),
      'messages.1.content.2.type',
      /server tools/,
    );
    assert400(() => toBlock({ type: 'video' }, 'm.0', notes()), 'm.0.type', /"video"/);
    assert400(
      () => toBlock({ type: 'document', source: { type: 'url', url: 'https://x.test/a.pdf' } }, 'm.0', notes()),
      'm.0.source',
      /does not fetch/,
    );
  });

  it('names the broken field of a known block', () => {
    assert400(() => toBlock({ type: 'text' }, 'messages.0.content.0', notes()), 'messages.0.content.0.text');
    assert400(
      () => toBlock({ type: 'tool_use', id: 't', name: 'n', input: 'x' }, 'messages.0.content.1', notes()),
      'messages.0.content.1.input',
    );
    assert400(
      () => toBlock({ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: GIF } }, 'c.0', notes()),
      'c.0.source.media_type',
    );
  });
});
