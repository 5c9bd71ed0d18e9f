import { EventEmitter } from 'node:events';
import {
  invokeChannels,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
} from '../../../shared/contract.js';
import type { ProxyService } from '../proxy.js';
import { ServerError } from '../server-controller.js';
import type { Settings } from '../settings.js';

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
  limitsIntervalMs?: number;
}

type Events = { [C in EventChannel]: [EventPayload<C>] };

export class BridgeService {
  private readonly emitter = new EventEmitter<Events>();
  private readonly handlers: Handlers;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly proxy: ProxyService,
    private readonly options: BridgeOptions,
  ) {
    this.emitter.setMaxListeners(100);
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
      'proxy:setPort': ({ port }) => this.setPort(port),
      'requests:list': async () => proxy.requestLog.list(),
      'requests:clear': async () => {
        const cleared = proxy.requestLog.list().length;
        proxy.requestLog.clear();
        return { cleared };
      },
      'requests:cancel': async ({ id }) => ({ cancelled: proxy.cancel(id) }),
      'limits:list': async () => proxy.limiter.counters(),
    };
    proxy.requestLog.on('added', (record) => {
      this.emitter.emit('requests:added', record);
      this.emitter.emit('limits:changed', proxy.limiter.counters());
    });
    proxy.requestLog.on('updated', (record) => this.emitter.emit('requests:updated', record));
    proxy.requestLog.on('cleared', () => this.emitter.emit('requests:cleared', {}));
    // Counters refill with time, not only with requests: keep the window's view fresh while anyone is tracked.
    this.timer = setInterval(() => {
      if (this.emitter.listenerCount('limits:changed') > 0 && proxy.limiter.trackedClients > 0) {
        this.emitter.emit('limits:changed', proxy.limiter.counters());
      }
    }, options.limitsIntervalMs ?? 2_000);
    this.timer.unref();
  }

  /** Parses the payload with the contract's schema, then runs the handler; throws a ZodError on bad input. */
  async invoke(channel: InvokeChannel, payload: unknown): Promise<unknown> {
    const schema = invokeChannels[channel].request;
    const request = schema.parse(payload);
    return (this.handlers[channel] as (request: unknown) => Promise<unknown>)(request);
  }

  on<C extends EventChannel>(channel: C, listener: (payload: EventPayload<C>) => void): () => void {
    const wrapped = listener as (...args: Events[C]) => void;
    (this.emitter.on as (event: C, fn: (...args: Events[C]) => void) => void)(channel, wrapped);
    return () => (this.emitter.off as (event: C, fn: (...args: Events[C]) => void) => void)(channel, wrapped);
  }

  async publishState(): Promise<InvokeResponse<'proxy:getState'>> {
    const state = await this.proxy.snapshot();
    this.emitter.emit('proxy:state', state);
    return state;
  }

  close(): void {
    clearInterval(this.timer);
    this.emitter.removeAllListeners();
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
