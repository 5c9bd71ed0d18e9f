import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PAGE_CSP, RENDERER_URL, resolveRendererRequest, serveRenderer } from './renderer-protocol.js';

describe('resolveRendererRequest', () => {
  const root = path.resolve('/app/dist/renderer');

  it('maps app://renderer/ paths to files of the renderer folder', () => {
    assert.deepEqual(resolveRendererRequest(root, RENDERER_URL), { file: path.join(root, 'index.html'), type: 'text/html; charset=utf-8' });
    assert.deepEqual(resolveRendererRequest(root, 'app://renderer/'), {
      file: path.join(root, 'index.html'),
      type: 'text/html; charset=utf-8',
    });
    assert.deepEqual(resolveRendererRequest(root, 'app://renderer/app.js?v=1#x'), {
      file: path.join(root, 'app.js'),
      type: 'text/javascript; charset=utf-8',
    });
    assert.deepEqual(resolveRendererRequest(root, 'app://renderer/fonts/a%20b.woff2'), {
      file: path.join(root, 'fonts', 'a b.woff2'),
      type: 'font/woff2',
    });
  });

  it('never leaves the folder', () => {
    for (const url of [
      'app://renderer/%2e%2e/%2e%2e/package.json',
      'app://renderer/..%2f..%2fpackage.json',
      'app://renderer/%2E%2E%5C%2E%2E%5Csecret.json',
      'app://renderer/%2e%2e',
    ]) {
      const resolved = resolveRendererRequest(root, url);
      // Either refused, or (the URL parser folds %2e%2e segments) a file that is still inside.
      const inside = 'file' in resolved && resolved.file.startsWith(`${root}${path.sep}`);
      assert.ok(('status' in resolved && resolved.status === 403) || inside, `${url}: ${JSON.stringify(resolved)}`);
    }
    assert.deepEqual(resolveRendererRequest(root, 'app://renderer/..%2f..%2fpackage.json'), { status: 403 });
    // The URL parser already folds plain dot segments into the folder.
    assert.deepEqual(resolveRendererRequest(root, 'app://renderer/../../etc/app.js'), {
      file: path.join(root, 'etc', 'app.js'),
      type: 'text/javascript; charset=utf-8',
    });
  });

  it('refuses other hosts, schemes, methods, unknown types and bad encodings', () => {
    assert.deepEqual(resolveRendererRequest(root, 'app://other/index.html'), { status: 404 });
    assert.deepEqual(resolveRendererRequest(root, 'file:///app/dist/renderer/index.html'), { status: 404 });
    assert.deepEqual(resolveRendererRequest(root, 'app://renderer/main.ts'), { status: 404 });
    assert.deepEqual(resolveRendererRequest(root, 'app://renderer/run.sh'), { status: 404 });
    assert.deepEqual(resolveRendererRequest(root, 'app://renderer/%E0%A4%A'), { status: 400 });
    assert.deepEqual(resolveRendererRequest(root, 'app://renderer/a%00.js'), { status: 400 });
    assert.deepEqual(resolveRendererRequest(root, RENDERER_URL, 'POST'), { status: 405 });
    assert.deepEqual(resolveRendererRequest(root, 'not a url'), { status: 400 });
  });
});

describe('serveRenderer', () => {
  let parent: string;
  let root: string;
  before(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'ccp-renderer-'));
    root = path.join(parent, 'renderer');
    await mkdir(path.join(root, 'nested'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(path.join(root, 'app.js'), 'console.log(1)');
    await writeFile(path.join(parent, 'outside-secret.json'), '{}');
  });
  after(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('serves the page with the CSP header, and its script with the right type', async () => {
    const page = await serveRenderer(root, { url: RENDERER_URL, method: 'GET' });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-security-policy'), PAGE_CSP);
    assert.match(PAGE_CSP, /script-src 'self'/);
    assert.match(PAGE_CSP, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await page.text(), '<!doctype html><title>x</title>');
    const script = await serveRenderer(root, { url: 'app://renderer/app.js', method: 'GET' });
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(script.headers.get('content-security-policy'), null);
    assert.equal(await script.text(), 'console.log(1)');
  });

  it('answers 404 for a missing file or a folder, 403 outside', async () => {
    assert.equal((await serveRenderer(root, { url: 'app://renderer/missing.js', method: 'GET' })).status, 404);
    assert.equal((await serveRenderer(root, { url: 'app://renderer/nested', method: 'GET' })).status, 404);
    assert.equal((await serveRenderer(root, { url: 'app://renderer/..%2Foutside-secret.json', method: 'GET' })).status, 403);
  });

  it('sends headers only for HEAD', async () => {
    const head = await serveRenderer(root, { url: 'app://renderer/app.js', method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });
});
