import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONTENT_SECURITY_POLICY,
  guardNavigation,
  isSafeExternalUrl,
  MIN_HEIGHT,
  MIN_WIDTH,
  permissionAllowed,
  safeExternalUrl,
  windowOptions,
  type GuardableContents,
} from './window-options.js';

describe('windowOptions', () => {
  it('locks the page down: isolated, sandboxed, no Node, web security on', () => {
    const options = windowOptions({ preload: '/app/dist/preload.cjs' });
    assert.equal(options.show, false);
    assert.equal(options.minWidth, MIN_WIDTH);
    assert.equal(options.minHeight, MIN_HEIGHT);
    assert.equal(MIN_WIDTH, 900);
    assert.equal(MIN_HEIGHT, 600);
    assert.deepEqual(
      {
        preload: options.webPreferences?.preload,
        contextIsolation: options.webPreferences?.contextIsolation,
        sandbox: options.webPreferences?.sandbox,
        nodeIntegration: options.webPreferences?.nodeIntegration,
        nodeIntegrationInWorker: options.webPreferences?.nodeIntegrationInWorker,
        nodeIntegrationInSubFrames: options.webPreferences?.nodeIntegrationInSubFrames,
        webSecurity: options.webPreferences?.webSecurity,
        allowRunningInsecureContent: options.webPreferences?.allowRunningInsecureContent,
        webviewTag: options.webPreferences?.webviewTag,
        devTools: options.webPreferences?.devTools,
      },
      {
        preload: '/app/dist/preload.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        devTools: false,
      },
    );
  });

  it('allows developer tools only when asked (running from source)', () => {
    assert.equal(windowOptions({ preload: 'p', devTools: true }).webPreferences?.devTools, true);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  it('allows only the page’s own scripts and styles, and no network', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    assert.equal(directives.get('default-src'), "'none'");
    assert.equal(directives.get('script-src'), "'self'");
    assert.equal(directives.get('connect-src'), "'none'");
    assert.equal(directives.get('object-src'), "'none'");
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
  });
});

describe('isSafeExternalUrl', () => {
  it('accepts plain http and https links', () => {
    for (const url of ['https://docs.anthropic.com/en/docs/claude-code', 'http://127.0.0.1:8000/health', 'https://github.com/x/y?q=1#z']) {
      assert.equal(isSafeExternalUrl(url), true, url);
    }
  });

  it('refuses every other scheme, credentials, odd characters and junk', () => {
    for (const url of [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      'ms-msdt:/id PCWDiagnostic',
      'smb://attacker/share',
      'vscode://file/etc/passwd',
      'claude-proxy://settings',
      'https://good.example@evil.example/',
      'https://user:pass@example.com/',
      'https://example.com/\nfoo',
      ' https://example.com',
      'https://exa mple.com',
      '//example.com',
      'example.com',
      '',
      `https://example.com/${'a'.repeat(3000)}`,
      42,
      null,
      undefined,
    ]) {
      assert.equal(isSafeExternalUrl(url), false, String(url));
    }
  });

  it('returns the normalised URL, which is what gets opened', () => {
    assert.equal(safeExternalUrl('HTTPS://Example.COM/a/../b'), 'https://example.com/b');
  });
});

function fakeContents() {
  const listeners = new Map<string, (event: { preventDefault(): void; url?: string }, url: string) => void>();
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents: GuardableContents = {
    on: (event: string, listener: (event: { preventDefault(): void }, url: string) => void) => listeners.set(event, listener),
    setWindowOpenHandler: (handler) => {
      openHandler = handler;
    },
  };
  const fire = (event: string, url: string) => {
    let prevented = false;
    listeners.get(event)?.({ preventDefault: () => (prevented = true), url }, url);
    return prevented;
  };
  return { contents, fire, open: (url: string) => openHandler?.({ url }) };
}

describe('guardNavigation', () => {
  it('refuses navigation; a safe link goes to the browser instead', () => {
    const opened: string[] = [];
    const refused: string[] = [];
    const fake = fakeContents();
    guardNavigation(
      fake.contents,
      (url) => opened.push(url),
      (url, why) => refused.push(`${why} ${url}`),
    );
    assert.equal(fake.fire('will-navigate', 'https://example.com/docs'), true);
    assert.equal(fake.fire('will-navigate', 'file:///etc/passwd'), true);
    assert.equal(fake.fire('will-redirect', 'https://example.com/'), true);
    assert.equal(fake.fire('will-attach-webview', ''), true);
    assert.deepEqual(opened, ['https://example.com/docs']);
    assert.deepEqual(refused, ['navigation file:///etc/passwd', 'redirect https://example.com/', 'webview ']);
  });

  it('denies every new window, opening only safe links externally', () => {
    const opened: string[] = [];
    const fake = fakeContents();
    guardNavigation(fake.contents, (url) => opened.push(url));
    assert.deepEqual(fake.open('https://example.com/'), { action: 'deny' });
    assert.deepEqual(fake.open('javascript:alert(1)'), { action: 'deny' });
    assert.deepEqual(fake.open('file:///C:/Windows/System32/calc.exe'), { action: 'deny' });
    assert.deepEqual(opened, ['https://example.com/']);
  });
});

describe('permissionAllowed', () => {
  const page = 'file:///app/dist/renderer/index.html';
  it('refuses everything but clipboard writes from our own page', () => {
    assert.equal(permissionAllowed('clipboard-sanitized-write', `${page}#/requests`, page), true);
    assert.equal(permissionAllowed('clipboard-sanitized-write', 'https://evil.example/', page), false);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      assert.equal(permissionAllowed(permission, page, page), false, permission);
    }
  });
});
