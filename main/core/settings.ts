import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * Settings live in `settings.json` in the data directory. Every field has a
 * default, so an empty or partial file is fine. A file that does not parse or
 * validate is reported, copied aside (`settings.json.invalid-<time>`) and left
 * where it is; the proxy runs on defaults. A later save from the window replaces
 * it, and the copy keeps what the user had written.
 */

export const APP_NAME = 'Claude Code Proxy';
const MB = 1024 * 1024;

export const settingsSchema = z.object({
  port: z.number().int().min(1).max(65535).default(8000),
  host: z.string().min(1).default('127.0.0.1'),
  cliPath: z.string().min(1).optional(),
  rateLimit: z
    .object({
      requestsPerMinute: z.number().int().min(1).max(100_000).default(60),
      burst: z.number().int().min(0).max(100_000).default(10),
      maxTrackedClients: z.number().int().min(1).default(10_000),
    })
    .prefault({}),
  cli: z
    .object({
      maxConcurrent: z.number().int().min(1).max(64).default(4),
      maxQueue: z.number().int().min(0).max(10_000).default(64),
      queueTimeoutMs: z.number().int().min(1).default(60_000),
      requestTimeoutMs: z.number().int().min(1).default(600_000),
      idleTimeoutMs: z.number().int().min(1).default(180_000),
      killGraceMs: z.number().int().min(0).default(2_000),
      maxLineBytes: z.number().int().min(1024).default(16 * MB),
    })
    .prefault({}),
  /** Warm CLI processes started ahead of requests (see cli/warm-pool.ts). */
  pool: z
    .object({
      enabled: z.boolean().default(true),
      maxWarm: z.number().int().min(0).max(16).default(2),
      idleTimeoutMs: z.number().int().min(1_000).default(600_000),
      memoryBudgetMb: z.number().int().min(0).default(512),
      recentRequests: z.number().int().min(1).max(1_000).default(20),
    })
    .prefault({}),
  maxBodyBytes: z.number().int().min(1024).default(32 * MB),
  /** Extra model names clients may use, mapped to a CLI model (e.g. "gpt-4o": "sonnet"). */
  modelAliases: z.record(z.string().min(1), z.string().min(1)).default({}),
  /**
   * Required to bind to a non-loopback address; when set, every request must
   * present it (Authorization: Bearer, or x-api-key). At least 16 characters.
   */
  accessKey: z.string().min(16).optional(),
  /** Browser origins allowed to call the API (CORS); none by default. */
  allowedOrigins: z.array(z.string().min(1)).default([]),
  /** Finished requests' metadata in `history/` in the data directory, loaded into the window at start. */
  history: z
    .object({
      enabled: z.boolean().default(true),
      /** `history.jsonl` is rotated when it would grow past this. */
      maxBytes: z.number().int().min(64 * 1024).max(1024 * MB).default(5 * MB),
      /** Rotated files kept (`history.1.jsonl` …). */
      maxFiles: z.number().int().min(0).max(100).default(3),
      maxAgeDays: z.number().int().min(1).max(3650).default(30),
    })
    .prefault({}),
  /**
   * Keep request bodies and answer text in the request log and history (off:
   * only metadata is kept, and prompts never leave memory).
   */
  logBodies: z.boolean().default(false),
});

export type Settings = z.infer<typeof settingsSchema>;

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
    if (json && typeof json === 'object' && !Array.isArray(json) && settingsSchema.safeParse(json).success) current = json as Record<string, unknown>;
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
