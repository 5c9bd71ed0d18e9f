import type { EventChannel, EventPayload, InvokeChannel } from '../../../shared/contract.js';

/** What the dashboard serves over HTTP: the window contract (the core's bridge service satisfies it). */
export interface DashboardBridge {
  invoke(channel: InvokeChannel, payload: unknown): Promise<unknown>;
  on<C extends EventChannel>(channel: C, listener: (payload: EventPayload<C>) => void): () => void;
}
