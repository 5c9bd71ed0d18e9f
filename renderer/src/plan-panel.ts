import { windowLabel, type PlanState } from '../../shared/usage.js';
import { byId, el } from './dom.js';
import { clockTime, countdown } from './format.js';

/**
 * The subscription's plan windows as meters, each with a countdown to its
 * reset (ticking locally between refreshes), and the overage state. What the
 * CLI last reported: an API-key login reports none.
 */

export class PlanPanel {
  private readonly meters = byId('plan-meters');
  private readonly note = byId('plan-note');
  private plan: PlanState | undefined;

  render(plan: PlanState | undefined): void {
    this.plan = plan;
    if (!plan || plan.updatedAt === null) {
      this.meters.replaceChildren(el('p', { class: 'empty-inline', text: 'No plan reported yet.' }));
      this.note.textContent = 'A subscription login reports its 5-hour and 7-day windows with each answer.';
      return;
    }
    this.meters.replaceChildren(
      ...plan.windows.map((window) => {
        const share = window.utilization === null ? null : Math.round(window.utilization * 100);
        const tone =
          window.status === 'rejected' || (share ?? 0) >= 90
            ? 'error'
            : window.status === 'allowed_warning' || (share ?? 0) >= 75
              ? 'warn'
              : 'ok';
        const fill = el('span', { class: 'bar-fill', attrs: { 'data-tone': tone } });
        fill.style.width = `${Math.min(100, share ?? (window.status === 'rejected' ? 100 : 0))}%`;
        return el(
          'div',
          { class: 'plan-window', attrs: { 'data-window': window.name, 'data-status': window.status ?? '' } },
          el('span', { text: windowLabel(window.name) }),
          el(
            'span',
            {
              class: 'bar',
              attrs: {
                role: 'meter',
                'aria-label': `${windowLabel(window.name)} window used`,
                'aria-valuemin': '0',
                'aria-valuemax': '100',
                'aria-valuenow': String(share ?? 0),
              },
            },
            fill,
          ),
          el('span', {
            class: `num${tone === 'error' ? ' error-text' : ''}`,
            text: share === null ? (window.status ?? '—') : `${share}%`,
            attrs: { 'data-field': 'utilization' },
          }),
          el('span', { class: 'plan-window-reset', attrs: { 'data-field': 'reset' } }),
        );
      }),
    );
    const overage = plan.overage ? ` · extra usage ${plan.overage.inUse ? 'in use' : (plan.overage.status ?? 'unknown')}` : '';
    this.note.textContent = `As of ${clockTime(plan.updatedAt)}${overage}`;
    this.tick(Date.now());
  }

  tick(now: number): void {
    for (const window of this.plan?.windows ?? []) {
      const reset = this.meters.querySelector<HTMLElement>(`[data-window="${CSS.escape(window.name)}"] [data-field="reset"]`);
      if (reset) reset.textContent = window.resetsAt === null ? '' : `resets in ${countdown(window.resetsAt, now)}`;
    }
  }
}

/** The banner for a plan refusal: what it means and where the user can act. */
export function refusalBanner(plan: PlanState | undefined): string | null {
  const refusal = plan?.refusal;
  if (!refusal) return null;
  const what =
    refusal.code === 'extra_usage_required'
      ? 'Your Claude plan now bills third-party apps such as this proxy to extra usage, and refused this request.'
      : 'Your Claude extra usage is spent, so the plan refused this request.';
  return `${what} Claude said: “${refusal.message}” This is your plan's decision, not a fault of the proxy: turn on or top up extra usage in your Claude usage settings (claude.ai/settings/usage).`;
}
