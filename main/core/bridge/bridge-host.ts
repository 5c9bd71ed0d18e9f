import type { ClientCountersInfo, ProxySnapshot } from '../../../shared/contract.js';
import type { RequestRecord } from '../../../shared/request-record.js';
import type { UsageTotals } from '../../../shared/usage.js';
import type { Settings } from '../settings.js';

/** What the bridge needs of the proxy: the few operations the window can trigger, and the request log's changes. */
export interface BridgeHost {
  readonly currentSettings: Settings;
  snapshot(): Promise<ProxySnapshot>;
  start(): Promise<unknown>;
  stop(): Promise<void>;
  apply(settings: Settings): Promise<void>;
  cancel(requestId: string): boolean;
  requests(): RequestRecord[];
  clearRequests(): void;
  limits(): ClientCountersInfo[];
  usageTotals(): UsageTotals;
  /** Clients the rate limiter tracks now (their counters refill with time). */
  readonly trackedClients: number;
  onRequestLog(listeners: RequestLogListeners): () => void;
}

export interface RequestLogListeners {
  added(record: RequestRecord): void;
  updated(record: RequestRecord): void;
  cleared(): void;
}
