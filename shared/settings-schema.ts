import { z } from 'zod';

/**
 * The settings' one schema, in shared/ so the core (which loads and saves
 * `settings.json` with it, main/core/settings.ts) and the window's settings
 * panel (which checks its form with the same bounds before saving) cannot
 * drift. Pure zod only: file handling stays in the core.
 */

const MB = 1024 * 1024;
export const MAX_MODEL_ALIASES = 100;

// A name a client sends as `model`, or the CLI model it maps to. Surrounding spaces would make an alias nobody can hit.
const modelName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^\S(?:.*\S)?$/, 'must not start or end with a space');

export const modelAliasesSchema = z
  .record(modelName, modelName)
  .refine((aliases) => Object.keys(aliases).length <= MAX_MODEL_ALIASES, `at most ${MAX_MODEL_ALIASES} aliases`);

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
      maxLineBytes: z
        .number()
        .int()
        .min(1024)
        .default(16 * MB),
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
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .default(32 * MB),
  /** Connection limits (main/core/connection-guard.ts); they apply from the next connection. */
  server: z
    .object({
      /** A connection with no request in flight is closed after this long without a byte. */
      idleSocketTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
      /** Open connections one client address may hold; more get a 503. */
      maxConnectionsPerClient: z.number().int().min(1).max(100_000).default(128),
      /**
       * Open connections from all addresses together; more get a 503. Any
       * 127.x address is loopback, so one local caller can be many clients.
       * Below the usual limit of 1,024 descriptors, leaving room for the CLI
       * children's pipes, the request log and history files.
       */
      maxConnections: z.number().int().min(1).max(100_000).default(768),
    })
    .prefault({}),
  /** Extra model names clients may use, mapped to a CLI model (e.g. "gpt-4o": "sonnet"). */
  modelAliases: modelAliasesSchema.default({}),
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
      maxBytes: z
        .number()
        .int()
        .min(64 * 1024)
        .max(1024 * MB)
        .default(5 * MB),
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

// The window edits these fields, with exactly the bounds above (defaults removed: a patch names only what changes).
const fields = settingsSchema.shape;
const rate = fields.rateLimit.unwrap().shape;
const cli = fields.cli.unwrap().shape;
const pool = fields.pool.unwrap().shape;
const history = fields.history.unwrap().shape;

/**
 * A partial update from the window. Strict at every level: the listener's
 * address, the access key and allowed origins are not the window's to change
 * (the port has its own channel). `modelAliases` replaces the whole map, so
 * an alias is removed by leaving it out; `cliPath: null` goes back to
 * finding the CLI on its own. `launchAtLogin` is the OS's login item, not a
 * settings-file field.
 */
export const settingsPatchSchema = z.strictObject({
  rateLimit: z
    .strictObject({ requestsPerMinute: rate.requestsPerMinute.unwrap().optional(), burst: rate.burst.unwrap().optional() })
    .optional(),
  cli: z.strictObject({ maxConcurrent: cli.maxConcurrent.unwrap().optional(), maxQueue: cli.maxQueue.unwrap().optional() }).optional(),
  cliPath: fields.cliPath.unwrap().max(4096).nullable().optional(),
  modelAliases: fields.modelAliases.unwrap().optional(),
  history: z.strictObject({ enabled: history.enabled.unwrap().optional() }).optional(),
  pool: z.strictObject({ enabled: pool.enabled.unwrap().optional(), maxWarm: pool.maxWarm.unwrap().optional() }).optional(),
  logBodies: fields.logBodies.unwrap().optional(),
  launchAtLogin: z.boolean().optional(),
});
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** What the window shows and edits: the settings now in force. */
export const settingsViewSchema = z.object({
  rateLimit: z.object({ requestsPerMinute: z.number(), burst: z.number() }),
  cli: z.object({ maxConcurrent: z.number(), maxQueue: z.number() }),
  /** Null: found on its own (PATH and the usual install places). */
  cliPath: z.string().nullable(),
  modelAliases: z.record(z.string(), z.string()),
  history: z.object({ enabled: z.boolean() }),
  pool: z.object({ enabled: z.boolean(), maxWarm: z.number() }),
  logBodies: z.boolean(),
  /** Null where this host has no login item to set (the dashboard; Linux). */
  launchAtLogin: z.boolean().nullable(),
});
export type SettingsView = z.infer<typeof settingsViewSchema>;

/** Which field was refused and why; `field` is null when the problem is not one field's (the file could not be written). */
export const settingsFieldErrorSchema = z.object({ field: z.string().nullable(), message: z.string() });
export type SettingsFieldError = z.infer<typeof settingsFieldErrorSchema>;

/** Every issue as a field path (`rateLimit.burst`, `modelAliases.gpt-4o`) and a sentence a person can act on. */
export function settingsIssues(error: z.ZodError): SettingsFieldError[] {
  return error.issues.flatMap((issue): SettingsFieldError[] => {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: field ? `${field}.${key}` : key, message: 'cannot be changed here' }));
    }
    return [{ field: field || null, message: describeIssue(issue) }];
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'number') return 'must be a number';
      if (issue.expected === 'boolean') return 'must be on or off';
      return `must be ${issue.expected === 'string' ? 'text' : issue.expected}`;
    case 'invalid_key': {
      const inner = issue.issues[0];
      return `the name ${inner ? describeIssue(inner) : 'is not valid'}`;
    }
    default:
      return issue.message;
  }
}
