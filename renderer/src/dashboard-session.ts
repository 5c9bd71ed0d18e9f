import { byId } from './dom.js';

/**
 * How the page in a browser gets into the dashboard API. The proxy prints
 * `…/dashboard/#token=<secret>`: the token is read from the fragment (which
 * never reaches a server log or a Referer), dropped from the address bar at
 * once, and traded for an HttpOnly session cookie plus a page key, kept in
 * localStorage and sent as `x-dashboard-key` on every call. Cookies ignore
 * ports, so a server on another port of this host receives the cookie;
 * localStorage is per origin (port included), so it never gets the key.
 * Later visits and other tabs use both. Bound beyond loopback, the proxy also
 * asks for its access key.
 * Without a valid token the page says how to get in and stays locked.
 */

const NO_TOKEN = 'Open the dashboard with the URL the proxy printed when it started (…/dashboard/#token=…). This page has no valid token.';

const PAGE_KEY_STORE = 'ccp-dashboard-page-key';

interface SessionAnswer {
  authenticated?: boolean;
  pageKey?: string;
  accessKeyRequired?: boolean;
  error?: { message?: string; code?: string };
}

/** Resolves once the browser holds a session cookie; until then the page shows why it is locked. */
export function establishSession(): Promise<void> {
  const { token, key } = takeFragment();
  return new Promise<void>((resolve) => {
    const unlocked = () => {
      byId('auth').hidden = true;
      resolve();
    };
    void start(token, key, unlocked).catch((error: unknown) => showLocked(`Could not reach the proxy: ${(error as Error).message}`));
  });
}

async function start(token: string | undefined, key: string | undefined, unlocked: () => void): Promise<void> {
  if (!token) {
    // A key handed over by the page itself when the proxy moved port (a new origin, so new storage); kept only if
    // the proxy accepts it, so a link from elsewhere cannot replace a good key with a bad one.
    if (key && (await session('GET', undefined, key)).body.authenticated) {
      window.localStorage.setItem(PAGE_KEY_STORE, key);
      return unlocked();
    }
    const current = await session('GET');
    if (current.body.authenticated) return unlocked();
    return showLocked(NO_TOKEN);
  }
  const answer = await session('POST', { token });
  if (answer.ok) return keep(answer.body, unlocked);
  if (answer.body.error?.code !== 'access_key_required')
    return showLocked(`${answer.body.error?.message ?? `HTTP ${answer.status}`}. ${NO_TOKEN}`);
  showLocked('This proxy listens beyond this machine: enter its access key as well.');
  const form = byId<HTMLFormElement>('auth-key-form');
  const input = byId<HTMLInputElement>('auth-key-input');
  form.hidden = false;
  input.focus();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void session('POST', { token, accessKey: input.value }).then((retry) => {
      if (retry.ok) return keep(retry.body, unlocked);
      showLocked(retry.body.error?.message ?? `HTTP ${retry.status}`);
    });
  });
}

function keep(answer: SessionAnswer, unlocked: () => void): void {
  if (answer.pageKey) window.localStorage.setItem(PAGE_KEY_STORE, answer.pageKey);
  unlocked();
}

/** The header every dashboard API call carries next to the cookie. */
export function pageKeyHeaders(): Record<string, string> {
  const key = window.localStorage.getItem(PAGE_KEY_STORE);
  return key ? { 'x-dashboard-key': key } : {};
}

/** Shows the lock with its reason; also used when a call is refused later (the cookie expired or the secret changed). */
export function showLocked(message: string): void {
  byId('auth').hidden = false;
  byId('auth-message').textContent = message;
}

export const LOCKED_MESSAGE = NO_TOKEN;

/** The dashboard's address at `url` (the proxy moved there), carrying this page's key: storage is per origin. */
export function dashboardUrlAt(url: string): string {
  const key = window.localStorage.getItem(PAGE_KEY_STORE);
  return `${url.replace(/\/+$/, '')}/dashboard/${key ? `#key=${encodeURIComponent(key)}` : ''}`;
}

function takeFragment(): { token?: string; key?: string } {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  // Dropped at once, trade or not: it must not sit in the address bar, history or a bookmark.
  if (window.location.hash) window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
  return { token: fragment.get('token') || undefined, key: fragment.get('key') || undefined };
}

async function session(method: 'GET' | 'POST', body?: object, key?: string): Promise<{ ok: boolean; status: number; body: SessionAnswer }> {
  const response = await fetch('api/session', {
    method,
    cache: 'no-store',
    headers: { ...(key ? { 'x-dashboard-key': key } : pageKeyHeaders()), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { ok: response.ok, status: response.status, body: ((await response.json().catch(() => ({}))) as SessionAnswer) ?? {} };
}
