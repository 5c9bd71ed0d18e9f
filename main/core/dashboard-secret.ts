/**
 * The dashboard's per-install secret. The dashboard API can change `cliPath`,
 * which means running a program as the owner with the owner's Claude login,
 * so a loopback address is not enough: on a shared machine every account can
 * reach 127.0.0.1. Only someone who can read this file (the owner, and root)
 * can use the dashboard. It lives in the data directory, which is made 0700,
 * in a file that is 0600; the headless server prints it in its dashboard URL.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export const SECRET_FILE = 'dashboard-secret';
const SECRET_FORM = /^[A-Za-z0-9_-]{43}$/;
const posix = process.platform !== 'win32';

/** Reads the secret, creating the private data directory and the secret at first start. */
export async function loadDashboardSecret(dataDir: string): Promise<string> {
  await privateDirectory(dataDir);
  const file = path.join(dataDir, SECRET_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const existing = await readSecret(file);
    if (existing) return existing;
    let secret = randomBytes(32).toString('base64url');
    // The log's redaction masks anything shaped like an API key (`sk-…`), which would spoil the printed URL.
    while (secret.includes('sk-')) secret = randomBytes(32).toString('base64url');
    try {
      // `wx`: two processes starting at once on one data directory must not each write their own.
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${secret}\n`);
      await handle.close();
      return secret;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`${file} exists but does not hold a dashboard secret; delete it to make a new one`);
}

/**
 * The directory is made if missing and closed to others; one that is shared
 * (sticky, like /tmp) or not ours is refused. Answers its real path: the
 * headless server uses that from then on, so a link to it that someone could
 * re-point after this check changes nothing.
 */
export async function privateDirectory(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const real = await realpath(dir);
  if (!posix) return real;
  const info = await stat(real);
  if ((info.mode & 0o1000) !== 0) throw new Error(`the data directory ${dir} is a shared directory (sticky bit); choose a private one`);
  if (process.getuid && info.uid !== process.getuid())
    throw new Error(`the data directory ${dir} belongs to another account (uid ${info.uid})`);
  if ((info.mode & 0o077) !== 0) await chmod(real, 0o700);
  return real;
}

async function readSecret(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = text.trim();
  if (!SECRET_FORM.test(secret)) throw new Error(`${file} does not hold a dashboard secret; delete it to make a new one`);
  if (posix && ((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return secret;
}

/**
 * The cookie value: derived, so the secret itself never travels again after
 * the trade, and keyed on the access key where one is required, so changing
 * the key ends every dashboard session.
 */
export function sessionValue(secret: string, accessKey: string | undefined): string {
  return createHmac('sha256', secret)
    .update(`dashboard-session\0${accessKey ?? ''}`)
    .digest('base64url');
}

/**
 * The cookie's name, per install: cookies ignore ports, so two proxies on one
 * machine (two data directories) would otherwise overwrite each other's
 * session. Stable across port moves, and it says nothing about the secret.
 */
export function sessionCookieName(secret: string): string {
  return `ccp_dashboard_${createHmac('sha256', secret).update('dashboard-cookie-name').digest('hex').slice(0, 12)}`;
}

/**
 * The page key: a second credential the page keeps in localStorage and sends
 * as `x-dashboard-key`. Cookies ignore ports, so any server on another port
 * of 127.0.0.1 (another account's) that the owner's browser visits receives
 * the session cookie; localStorage is per origin, so it never sees this key.
 */
export function pageKey(secret: string, session: string): string {
  return createHmac('sha256', secret).update(`dashboard-page-key\0${session}`).digest('base64url');
}

export const PAGE_KEY_HEADER = 'x-dashboard-key';
