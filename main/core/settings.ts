import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { settingsSchema, type Settings } from '../../shared/settings-schema.js';

/**
 * Settings live in `settings.json` in the data directory. Every field has a
 * default, so an empty or partial file is fine. A file that does not parse or
 * validate is reported, copied aside (`settings.json.invalid-<time>`) and left
 * where it is; the proxy runs on defaults. A later save from the window replaces
 * it, and the copy keeps what the user had written.
 */

export const APP_NAME = 'Claude Code Proxy';

// The schema itself is shared with the window's settings panel, so both check the same bounds.
export { settingsSchema, type Settings };

export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}

export function defaultDataDir(platform = process.platform, env = process.env, home = homedir()): string {
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
}

export interface LoadedSettings {
  settings: Settings;
  file: string;
  /** Why the file was not used, when it exists but is unreadable or invalid. */
  problem: string | undefined;
}

export async function loadSettings(dataDir: string): Promise<LoadedSettings> {
  const file = path.join(dataDir, 'settings.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { settings: defaultSettings(), file, problem: undefined };
    return { settings: defaultSettings(), file, problem: `cannot read ${file}: ${(error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return invalid(file, `is not valid JSON (${(error as Error).message})`);
  }
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    return invalid(file, `is invalid (${issues})`);
  }
  return { settings: parsed.data, file, problem: undefined };
}

async function invalid(file: string, why: string): Promise<LoadedSettings> {
  const aside = `${file}.invalid-${new Date().toISOString().replaceAll(':', '-')}`;
  const kept = await copyFile(file, aside).then(
    () => `a copy is kept at ${aside}`,
    (error: Error) => `no copy could be made (${error.message})`,
  );
  return { settings: defaultSettings(), file, problem: `${file} ${why}; using defaults, ${kept}` };
}

/**
 * Changes some settings in the file, leaving the rest of it as the user wrote
 * it. A file that is not valid is replaced: its content was copied aside when
 * it was loaded.
 */
export async function updateSettingsFile(dataDir: string, changed: Partial<Settings>): Promise<void> {
  let current: Record<string, unknown> = {};
  try {
    const json: unknown = JSON.parse(await readFile(path.join(dataDir, 'settings.json'), 'utf8'));
    if (json && typeof json === 'object' && !Array.isArray(json) && settingsSchema.safeParse(json).success)
      current = json as Record<string, unknown>;
  } catch {
    // Missing or unreadable: start from the defaults.
  }
  const next = { ...current, ...changed };
  settingsSchema.parse(next);
  await writeAtomically(dataDir, next);
}

/** Writes atomically (temp file + rename) so a crash mid-write never leaves a half file. */
export async function saveSettings(dataDir: string, settings: Settings): Promise<void> {
  await writeAtomically(dataDir, settingsSchema.parse(settings));
}

async function writeAtomically(dataDir: string, content: object): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'settings.json');
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`, 'utf8');
  await rename(temp, file);
}
