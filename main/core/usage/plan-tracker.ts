import { EventEmitter } from 'node:events';
import { windowLabel, type PlanState, type PlanWindow } from '../../../shared/usage.js';
import type { TurnObserver } from '../cli/cli-manager.js';
import type { PlanReport } from '../cli/turn-meter.js';
import type { ProxyError } from '../errors.js';

/**
 * Where the subscription's plan stands: the latest of every window the CLI
 * reported (5-hour, 7-day, and any other), the overage state, and the last
 * refusal the user has to act on in their Claude settings. It alerts once per
 * window when the window passes ALERT_AT or is refused, and again only after
 * the window came back below (it reset).
 */

export const ALERT_AT = 0.9;

/** Refusals that are the plan's decision (cli-errors.ts): shown until a turn is answered again. */
const REFUSAL_CODES = new Set(['extra_usage_required', 'extra_usage_exhausted']);

export interface PlanAlert {
  /** A window's name, or a refusal's code. */
  subject: string;
  kind: 'high' | 'rejected' | 'refused';
  window: PlanWindow | undefined;
  message: string;
}

export interface PlanEvents {
  changed: [PlanState];
  alert: [PlanAlert];
}

export class PlanTracker extends EventEmitter<PlanEvents> implements TurnObserver {
  private state: PlanState = { updatedAt: null, status: null, windows: [], overage: null, refusal: null };
  private readonly alerted = new Map<string, PlanAlert['kind']>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  get current(): PlanState {
    return structuredClone(this.state);
  }

  plan(report: PlanReport): void {
    // A report may name only the window it is about: the others keep their last values.
    const windows = new Map(this.state.windows.map((window) => [window.name, window]));
    for (const window of report.windows) {
      const previous = windows.get(window.name);
      windows.set(window.name, { ...window, utilization: window.utilization ?? previous?.utilization ?? null });
    }
    this.state = {
      ...this.state,
      updatedAt: report.at,
      status: report.status,
      windows: [...windows.values()].sort((a, b) => windowOrder(a.name) - windowOrder(b.name)),
      overage: report.overage ?? this.state.overage,
    };
    for (const window of report.windows) this.checkWindow(windows.get(window.name)!);
    this.emit('changed', this.current);
  }

  outcome(error: ProxyError | undefined): void {
    if (error && REFUSAL_CODES.has(error.code)) {
      this.state = { ...this.state, refusal: { code: error.code, message: error.message, at: this.now() } };
      if (!this.alerted.has(error.code)) {
        this.alerted.set(error.code, 'refused');
        this.emit('alert', { subject: error.code, kind: 'refused', window: undefined, message: error.message });
      }
      this.emit('changed', this.current);
    } else if (!error && this.state.refusal) {
      this.alerted.delete(this.state.refusal.code);
      this.state = { ...this.state, refusal: null };
      this.emit('changed', this.current);
    }
  }

  private checkWindow(window: PlanWindow): void {
    const kind: PlanAlert['kind'] | undefined =
      window.status === 'rejected' ? 'rejected' : (window.utilization ?? 0) >= ALERT_AT ? 'high' : undefined;
    const before = this.alerted.get(window.name);
    if (!kind) {
      this.alerted.delete(window.name);
      return;
    }
    if (before === kind || before === 'rejected') return;
    this.alerted.set(window.name, kind);
    const label = windowLabel(window.name);
    const message =
      kind === 'rejected'
        ? `Your Claude ${label} limit is reached: requests are refused until it resets.`
        : `Your Claude ${label} window is ${Math.round((window.utilization ?? 0) * 100)}% used.`;
    this.emit('alert', { subject: window.name, kind, window, message });
  }
}

const ORDER = ['five_hour', 'seven_day'];

function windowOrder(name: string): number {
  const index = ORDER.indexOf(name);
  return index === -1 ? ORDER.length : index;
}
