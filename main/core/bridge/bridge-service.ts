import {
  invokeChannels,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
} from '../../../shared/contract.js';
import { settingsIssues, settingsPatchSchema, type SettingsPatch } from '../../../shared/settings-schema.js';
import type { BridgeHost } from './bridge-host.js';
import { ServerError } from '../server-controller.js';
import type { Settings } from '../settings.js';
import { changedSettings, checkChanged, mergeSettings, settingsView } from './settings-update.js';

/**
 * What the window can ask of the core, and what it is told. Both hosts (the
 * Electron IPC layer and the dashboard's HTTP + SSE bridge) are thin adapters
 * over this one object: they validate with the contract's schemas and call
 * `invoke`; they subscribe with `on`.
 */

export type Handlers = { [C in InvokeChannel]: (request: InvokeRequest<C>) => Promise<InvokeResponse<C>> };

export interface BridgeOptions {
  /**
   * Saves settings after a change made from the window: all of them as now in
   * force, and the part that changed (a headless host saves only that, so its
   * command-line flags do not end up in the file).
   */
  persist: (settings: Settings, changed: Partial<Settings>) => Promise<void>;
  /**
   * The OS login item, where the host has one (the desktop app). Read back
   * every time, as the user can change it outside the app; null where the OS
   * offers none.
   */
  launchAtLogin?: { read(): boolean | null; write(enabled: boolean): boolean | null };
  limitsIntervalMs?: number;
}

type SettingsUpdateResult = InvokeResponse<'settings:update'>;

export class BridgeService {
  /**
   * Subscribers per channel, in a Set rather than as EventEmitter listeners:
   * every open dashboard page subscribes to every channel, and an emitter
   * warns (MaxListenersExceededWarning) past a fixed count that says nothing
   * here. The dashboard host caps its streams instead.
   */
  private readonly subscribers = new Map<EventChannel, Set<(payload: never) => void>>();
  private readonly handlers: Handlers;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  /** Port moves and settings saves each read the settings in force, then replace them: one at a time. */
  private changes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly proxy: BridgeHost,
    private readonly options: BridgeOptions,
  ) {
    this.handlers = {
      'proxy:getState': () => proxy.snapshot(),
      'proxy:start': async () => {
        await proxy.start().catch(() => undefined);
        return this.publishState();
      },
      'proxy:stop': async () => {
        await proxy.stop();
        return this.publishState();
      },
      'proxy:setPort': ({ port }) => this.serially(() => this.setPort(port)),
      'requests:list': async () => proxy.requests(),
      'requests:clear': async () => {
        const cleared = proxy.requests().length;
        proxy.clearRequests();
        return { cleared };
      },
      'requests:cancel': async ({ id }) => ({ cancelled: proxy.cancel(id) }),
      'limits:list': async () => proxy.limits(),
      'usage:totals': async () => proxy.usageTotals(),
      'settings:get': async () => this.settingsView(),
      'settings:update': (patch) => this.serially(() => this.updateSettings(patch)),
    };
    this.unsubscribe = proxy.onRequestLog({
      added: (record) => {
        this.emit('requests:added', record);
        this.emit('limits:changed', proxy.limits());
      },
      updated: (record) => this.emit('requests:updated', record),
      cleared: () => this.emit('requests:cleared', {}),
    });
    // Counters refill with time, not only with requests: keep the window's view fresh while anyone is tracked.
    this.timer = setInterval(() => {
      if (this.listenerCount('limits:changed') > 0 && proxy.trackedClients > 0) {
        this.emit('limits:changed', proxy.limits());
      }
    }, options.limitsIntervalMs ?? 2_000);
    this.timer.unref();
  }

  /**
   * Parses the payload with the contract's schema, then runs the handler;
   * throws a ZodError on bad input, except for `settings:update`, which
   * answers `ok: false` naming the field.
   */
  async invoke(channel: InvokeChannel, payload: unknown): Promise<unknown> {
    if (channel === 'settings:update') {
      // A refused value is the user's typo, answered next to its field rather than thrown.
      const parsed = settingsPatchSchema.safeParse(payload);
      if (!parsed.success)
        return {
          ok: false,
          error: settingsIssues(parsed.error)[0] ?? { field: null, message: 'invalid settings' },
        } satisfies SettingsUpdateResult;
      return this.handlers['settings:update'](parsed.data);
    }
    const schema = invokeChannels[channel].request;
    const request = schema.parse(payload);
    return (this.handlers[channel] as (request: unknown) => Promise<unknown>)(request);
  }

  on<C extends EventChannel>(channel: C, listener: (payload: EventPayload<C>) => void): () => void {
    let set = this.subscribers.get(channel);
    if (!set) this.subscribers.set(channel, (set = new Set()));
    // Wrapped, so one function subscribed twice is two subscriptions, as with an emitter.
    const entry = (payload: never) => listener(payload);
    set.add(entry);
    return () => void set.delete(entry);
  }

  listenerCount(channel: EventChannel): number {
    return this.subscribers.get(channel)?.size ?? 0;
  }

  private emit<C extends EventChannel>(channel: C, payload: EventPayload<C>): void {
    // A copy: a subscriber may unsubscribe (its page went away) while this runs.
    for (const listener of [...(this.subscribers.get(channel) ?? [])]) {
      try {
        (listener as (payload: EventPayload<C>) => void)(payload);
      } catch {
        // One broken subscriber must not stop the others, nor the request whose log entry emitted this.
      }
    }
  }

  async publishState(): Promise<InvokeResponse<'proxy:getState'>> {
    const state = await this.proxy.snapshot();
    this.emit('proxy:state', state);
    return state;
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
    this.subscribers.clear();
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const result = this.changes.then(change);
    this.changes = result.catch(() => undefined);
    return result;
  }

  private settingsView() {
    return settingsView(this.proxy.currentSettings, this.options.launchAtLogin?.read() ?? null);
  }

  /**
   * Merges, checks, applies live, then saves only what changed. When the save
   * fails the previous settings are applied again: `ok: false` always means
   * nothing changed.
   */
  private async updateSettings({ launchAtLogin, ...patch }: SettingsPatch): Promise<SettingsUpdateResult> {
    const loginItem = this.options.launchAtLogin;
    if (launchAtLogin !== undefined && (loginItem?.read() ?? null) === null) {
      return {
        ok: false,
        error: { field: 'launchAtLogin', message: 'is not available here: only the desktop app on macOS and Windows can set it' },
      };
    }
    const previous = this.proxy.currentSettings;
    const next = mergeSettings(previous, patch);
    const changed = changedSettings(previous, next);
    const refused = checkChanged(changed);
    if (refused) return { ok: false, error: refused };
    if (Object.keys(changed).length > 0) {
      try {
        await this.proxy.apply(next);
        await this.options.persist(next, changed);
      } catch (error) {
        await this.proxy.apply(previous).catch(() => undefined);
        return {
          ok: false,
          error: { field: null, message: `The settings could not be saved, so nothing was changed: ${messageOf(error)}` },
        };
      }
    }
    if (launchAtLogin !== undefined) loginItem?.write(launchAtLogin);
    await this.publishState();
    return { ok: true, settings: this.settingsView() };
  }

  private async setPort(port: number): Promise<InvokeResponse<'proxy:setPort'>> {
    const next = { ...this.proxy.currentSettings, port };
    try {
      await this.proxy.apply(next);
      await this.options.persist(next, { port });
      return { ok: true, state: await this.publishState() };
    } catch (error) {
      const info =
        error instanceof ServerError
          ? { code: error.code, message: error.message }
          : { code: 'UNKNOWN' as const, message: error instanceof Error ? error.message : String(error) };
      return { ok: false, error: info, state: await this.publishState() };
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
