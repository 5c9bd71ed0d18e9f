import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from './window-options.js';

/**
 * The window's page is served from `app://renderer/…` (files of
 * dist/renderer), not loaded from file://. Why: the packaged app turns the
 * GrantFileProtocolExtraPrivileges fuse off, and without those privileges a
 * file:// page cannot load its `<script type="module">` (a CORS fetch from the
 * null origin). A standard, secure custom scheme gives the page a real origin
 * (so CSP 'self' means exactly our files), a secure context (clipboard), and
 * lets main send the CSP as a header the page cannot weaken. The handler
 * serves only files inside the renderer folder, only of known types.
 */

export const RENDERER_SCHEME = 'app';
export const RENDERER_HOST = 'renderer';
export const RENDERER_URL = `${RENDERER_SCHEME}://${RENDERER_HOST}/index.html`;

/** For `protocol.registerSchemesAsPrivileged`, before the app is ready. */
export const RENDERER_SCHEME_PRIVILEGES = { scheme: RENDERER_SCHEME, privileges: { standard: true, secure: true } };

/** Headers sent with the page: `frame-ancestors` only works as a header. */
export const PAGE_CSP = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export type Resolved = { file: string; type: string } | { status: 400 | 403 | 404 | 405 };

/** Maps a request URL to a file inside `rootDir`, or the status to answer instead. */
export function resolveRendererRequest(rootDir: string, requestUrl: string, method = 'GET'): Resolved {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405 };
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { status: 400 };
  }
  if (url.protocol !== `${RENDERER_SCHEME}:` || url.host !== RENDERER_HOST) return { status: 404 };
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname);
  } catch {
    return { status: 400 };
  }
  if (relative.includes('\0')) return { status: 400 };
  if (relative === '/' || relative === '') relative = '/index.html';
  const root = path.resolve(rootDir);
  const file = path.resolve(root, `.${relative}`);
  // Encoded dots and backslashes are decoded above, so this catches every way out of the folder.
  if (!file.startsWith(`${root}${path.sep}`)) return { status: 403 };
  const type = TYPES[path.extname(file).toLowerCase()];
  if (!type) return { status: 404 };
  return { file, type };
}

/** The `protocol.handle` handler: the file with its type, the page with its CSP, anything else a bare status. */
export async function serveRenderer(rootDir: string, request: { url: string; method: string }): Promise<Response> {
  const resolved = resolveRendererRequest(rootDir, request.url, request.method);
  if ('status' in resolved) return new Response(null, { status: resolved.status });
  let body: Buffer;
  try {
    body = await readFile(resolved.file);
  } catch {
    return new Response(null, { status: 404 });
  }
  const headers: Record<string, string> = {
    'content-type': resolved.type,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
  if (resolved.type.startsWith('text/html')) headers['content-security-policy'] = PAGE_CSP;
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}
