import { z } from 'zod';
import { requestRecordSchema } from './request-record.js';
import { settingsFieldErrorSchema, settingsPatchSchema, settingsViewSchema } from './settings-schema.js';
import { planSchema, usageTotalsSchema } from './usage.js';

/**
 * The one contract between the core and the window. Main (Electron IPC), the
 * preload, the headless dashboard bridge (HTTP + server-sent events) and the
 * renderer all take their channel names and payload types from here, so
 * nothing can drift. Channels are `domain:verb`; fields are camelCase (the
 * HTTP API's /health keeps its own snake_case wire shape, mapped in http/health.ts).
 */

export const healthSchema = z.object({
  status: z.enum(['healthy', 'degraded', 'unavailable']),
  version: z.string(),
  uptimeSeconds: z.number(),
  cli: z.object({
    available: z.boolean(),
    path: z.string().nullable(),
    version: z.string().nullable(),
    problem: z.string().nullable(),
    lastAuthFailure: z.object({ at: z.string(), message: z.string() }).nullable(),
  }),
  processes: z.object({ active: z.number(), queued: z.number(), max: z.number(), maxQueue: z.number() }),
  pool: z
    .object({
      enabled: z.boolean(),
      warm: z.number(),
      maxWarm: z.number(),
      hits: z.number(),
      misses: z.number(),
      keys: z.array(z.object({ model: z.string(), warm: z.number() })),
    })
    .optional(),
  /** The subscription's plan windows, as the CLI last reported them. */
  plan: planSchema.optional(),
});
export type Health = z.infer<typeof healthSchema>;

export const serverErrorSchema = z.object({
  code: z.enum(['PORT_IN_USE', 'PORT_NOT_ALLOWED', 'INVALID_PORT', 'ADDRESS_UNAVAILABLE', 'ACCESS_KEY_REQUIRED', 'UNKNOWN']),
  message: z.string(),
});
export type ServerErrorInfo = z.infer<typeof serverErrorSchema>;

export const proxySnapshotSchema = z.object({
  running: z.boolean(),
  /** Where it listens, when running. */
  url: z.string().nullable(),
  host: z.string(),
  port: z.number(),
  /** The last start or port-change failure, cleared by the next success. */
  error: serverErrorSchema.nullable(),
  health: healthSchema.nullable(),
  /** Where the window is hosted: the desktop app or the headless dashboard. */
  hostKind: z.enum(['electron', 'dashboard']),
  /** A problem worth showing (bad settings file, history not writable…). */
  warnings: z.array(z.string()),
});
export type ProxySnapshot = z.infer<typeof proxySnapshotSchema>;

export const clientCountersSchema = z.object({
  client: z.string(),
  limit: z.number(),
  remaining: z.number(),
  burst: z.number(),
  burstInUse: z.number(),
  resetInSeconds: z.number(),
  allowed: z.number(),
  refused: z.number(),
  lastSeen: z.number(),
});
export type ClientCountersInfo = z.infer<typeof clientCountersSchema>;

const portSchema = z.number().int().min(1).max(65535);

/** Request/response channels: renderer asks, main answers. */
export const invokeChannels = {
  'proxy:getState': { request: z.void(), response: proxySnapshotSchema },
  'proxy:start': { request: z.void(), response: proxySnapshotSchema },
  'proxy:stop': { request: z.void(), response: proxySnapshotSchema },
  'proxy:setPort': {
    request: z.object({ port: portSchema }),
    response: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), state: proxySnapshotSchema }),
      z.object({ ok: z.literal(false), error: serverErrorSchema, state: proxySnapshotSchema }),
    ]),
  },
  'requests:list': { request: z.void(), response: z.array(requestRecordSchema) },
  'requests:clear': { request: z.void(), response: z.object({ cleared: z.number() }) },
  'requests:cancel': { request: z.object({ id: z.string().min(1).max(200) }), response: z.object({ cancelled: z.boolean() }) },
  'limits:list': { request: z.void(), response: z.array(clientCountersSchema) },
  /** What the proxy's clients spent: today, 7 and 30 days, per client and model, and per day (also GET /dashboard/api/usage). */
  'usage:totals': { request: z.void(), response: usageTotalsSchema },
  'settings:get': { request: z.void(), response: settingsViewSchema },
  /**
   * Applies live, then saves. A value the schema refuses is answered with
   * `ok: false` naming the field (not thrown): it is a typo to show next to
   * that field, and nothing has changed.
   */
  'settings:update': {
    request: settingsPatchSchema,
    response: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), settings: settingsViewSchema }),
      z.object({ ok: z.literal(false), error: settingsFieldErrorSchema }),
    ]),
  },
} as const;

/** Push channels: main tells the renderer. */
export const eventChannels = {
  'requests:added': requestRecordSchema,
  'requests:updated': requestRecordSchema,
  'requests:cleared': z.object({}),
  'proxy:state': proxySnapshotSchema,
  'limits:changed': z.array(clientCountersSchema),
} as const;

export type InvokeChannel = keyof typeof invokeChannels;
export type EventChannel = keyof typeof eventChannels;
export type InvokeRequest<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['response']>;
export type EventPayload<C extends EventChannel> = z.infer<(typeof eventChannels)[C]>;

export const INVOKE_CHANNELS = Object.keys(invokeChannels) as InvokeChannel[];
export const EVENT_CHANNELS = Object.keys(eventChannels) as EventChannel[];

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && Object.hasOwn(invokeChannels, value);
}

/**
 * What the renderer sees, whichever host it runs in: the preload exposes it as
 * `window.claudeProxy` in Electron; the dashboard builds it over HTTP + SSE.
 */
export interface ProxyBridge {
  invoke<C extends InvokeChannel>(
    channel: C,
    ...payload: InvokeRequest<C> extends void ? [] : [InvokeRequest<C>]
  ): Promise<InvokeResponse<C>>;
  on<C extends EventChannel>(channel: C, listener: (payload: EventPayload<C>) => void): () => void;
}
