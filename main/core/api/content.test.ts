import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../errors.js';
import { anthropicImageBlock, imageFromAnthropic, imageFromDataUrl, toolBlockAsText } from './content.js';

const GIF = 'R0lGODlhAQABAAAAACw=';

function assert400(fn: () => unknown, field: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'validation_error');
    assert.equal(error.details?.field, field);
    return true;
  });
}

describe('imageFromDataUrl', () => {
  it('accepts base64 PNG, JPEG, GIF and WebP', () => {
    for (const mediaType of ['image/png', 'image/jpeg', 'image/gif', 'image/webp']) {
      assert.deepEqual(imageFromDataUrl(`data:${mediaType};base64,${GIF}`, 'f'), { type: 'image', mediaType, data: GIF });
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

describe('imageFromAnthropic', () => {
  it('turns a base64 source into an image part', () => {
    const block = anthropicImageBlock.parse({ type: 'image', source: { type: 'base64', media_type: 'image/gif', data: GIF } });
    assert.deepEqual(imageFromAnthropic(block, 'messages.0.content.0.source'), { type: 'image', mediaType: 'image/gif', data: GIF });
  });

  it('refuses a url source with a 400', () => {
    const block = anthropicImageBlock.parse({ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } });
    assert.throws(
      () => imageFromAnthropic(block, 'messages.0.content.0.source'),
      (error: unknown) => error instanceof ProxyError && error.status === 400 && error.details?.field === 'messages.0.content.0.source',
    );
  });

  it('the schema refuses unsupported media types and non-base64 data', () => {
    assert.equal(
      anthropicImageBlock.safeParse({ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: GIF } }).success,
      false,
    );
    assert.equal(
      anthropicImageBlock.safeParse({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: '%%%' } }).success,
      false,
    );
    assert.equal(
      anthropicImageBlock.safeParse({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: '' } }).success,
      false,
    );
  });
});

describe('toolBlockAsText', () => {
  it('renders a tool call with its JSON input', () => {
    assert.equal(toolBlockAsText({ type: 'tool_use', id: 't', name: 'search', input: { q: 'cats' } }), '[tool call search: {"q":"cats"}]');
  });

  it('renders a tool result from a string or from blocks, marking errors', () => {
    assert.equal(toolBlockAsText({ type: 'tool_result', tool_use_id: 't', content: 'ok' }), '[tool result: ok]');
    assert.equal(
      toolBlockAsText({ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'a' }, { type: 'image' }], is_error: true }),
      '[tool result (error): a[image]]',
    );
    assert.equal(toolBlockAsText({ type: 'tool_result', tool_use_id: 't' }), '[tool result: ]');
  });
});
