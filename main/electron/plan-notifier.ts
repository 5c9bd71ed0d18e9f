import type { EventEmitter } from 'node:events';
import { windowLabel } from '../../shared/usage.js';
import type { PlanAlert, PlanEvents } from '../core/usage/plan-tracker.js';

/**
 * Desktop notifications for the plan: a window past 90%, a window refused, a
 * refusal of third-party use. The tracker alerts once per window (again only
 * after it reset), so this only says it. Electron is reached through
 * `NotifierSurface`, so it is tested in Node.
 */

export interface NotifierSurface {
  supported(): boolean;
  show(notice: { title: string; body: string }, onClick: () => void): void;
}

export function notifyPlanAlerts(plan: EventEmitter<PlanEvents>, surface: NotifierSurface, openWindow: () => void): () => void {
  const onAlert = (alert: PlanAlert) => {
    if (surface.supported()) surface.show(noticeFor(alert), openWindow);
  };
  plan.on('alert', onAlert);
  return () => plan.off('alert', onAlert);
}

export function noticeFor(alert: PlanAlert): { title: string; body: string } {
  const label = windowLabel(alert.subject);
  switch (alert.kind) {
    case 'high':
      return { title: `Claude plan: ${label} window at ${Math.round((alert.window?.utilization ?? 0) * 100)}%`, body: alert.message };
    case 'rejected':
      return { title: `Claude plan: ${label} limit reached`, body: alert.message };
    case 'refused':
      return {
        title: 'Claude plan refused the proxy',
        body: `${alert.message} Turn on or top up extra usage in your Claude usage settings (claude.ai/settings/usage).`,
      };
  }
}
