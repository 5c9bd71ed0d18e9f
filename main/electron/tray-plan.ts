import { windowLabel, type PlanState } from '../../shared/usage.js';

/**
 * The plan and the day's spending as the tray says them, in a few short
 * lines for its menu and tooltip. Reset times are coarse ("in 2 h", "in 45
 * min"), so the menu, rebuilt only when its text changes, is not rebuilt (and
 * closed under the user's pointer on Linux) every minute.
 */

export interface SpentToday {
  costUsd: number;
  requests: number;
}

export function planLines(plan: PlanState | undefined, spent: SpentToday | undefined, now: number): string[] {
  const lines: string[] = [];
  for (const window of plan?.updatedAt === null ? [] : (plan?.windows ?? [])) {
    const used =
      window.status === 'rejected'
        ? 'limit reached'
        : window.utilization === null
          ? (window.status ?? 'unknown')
          : `${Math.round(window.utilization * 100)}% used`;
    const reset = window.resetsAt === null ? '' : `, resets ${resetIn(window.resetsAt, now)}`;
    lines.push(`${windowLabel(window.name)}: ${used}${reset}`);
  }
  if (plan?.overage?.inUse) lines.push('Extra usage: in use');
  if (plan?.refusal) lines.push('Refused by the plan: see your Claude usage settings');
  if (spent && spent.requests > 0) {
    lines.push(`Today: ${dollars(spent.costUsd)} at API rates, ${spent.requests} ${spent.requests === 1 ? 'request' : 'requests'}`);
  }
  return lines;
}

export function resetIn(at: number, now: number): string {
  const minutes = Math.ceil((at - now) / 60_000);
  if (minutes <= 0) return 'now';
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `in ${hours} h` : `in ${Math.round(hours / 24)} d`;
}

function dollars(usd: number): string {
  return usd > 0 && usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
