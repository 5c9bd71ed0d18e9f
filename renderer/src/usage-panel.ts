import type { UsageSum, UsageTotals } from '../../shared/usage.js';
import { byId, el } from './dom.js';
import { count, money } from './format.js';

/** What the proxy's clients spent: a period's sums, its top clients and models, and a bar per day for 30 days. */

type Period = 'today' | 'last7Days' | 'last30Days';
const TOP = 4;

export class UsagePanel {
  private readonly period = byId<HTMLSelectElement>('totals-period');
  private totals: UsageTotals | undefined;

  constructor() {
    this.period.addEventListener('change', () => this.totals && this.render(this.totals));
  }

  render(totals: UsageTotals): void {
    this.totals = totals;
    const period = totals[this.period.value as Period];
    const tokens = period.inputTokens + period.outputTokens + period.cacheReadTokens + period.cacheWriteTokens;
    byId('totals-sum').replaceChildren(
      el('strong', { text: money(period.costUsd), attrs: { 'data-field': 'cost' } }),
      ` at API rates · ${count(period.requests)} requests · ${count(tokens)} tokens`,
    );
    byId('totals-sum').title =
      `input ${period.inputTokens}, output ${period.outputTokens}, cache read ${period.cacheReadTokens}, cache write ${period.cacheWriteTokens}`;
    byId('totals-clients').replaceChildren(
      ...top(
        period.byClient.map((entry) => ({ name: entry.client, ...entry })),
        'No clients yet',
      ),
    );
    byId('totals-models').replaceChildren(
      ...top(
        period.byModel.map((entry) => ({ name: entry.model, ...entry })),
        '',
      ),
    );
    this.chart(totals.daily);
  }

  private chart(days: UsageTotals['daily']): void {
    const most = Math.max(...days.map((day) => day.costUsd));
    const chart = byId('usage-chart');
    chart.setAttribute('aria-label', `Cost per day: ${money(days.reduce((sum, day) => sum + day.costUsd, 0))} in 30 days`);
    chart.replaceChildren(
      ...days.map((day) => {
        const bar = el('span', {
          class: 'usage-bar',
          title: `${day.date}: ${money(day.costUsd)}, ${count(day.requests)} requests`,
          attrs: { 'data-date': day.date, 'data-empty': String(day.costUsd === 0) },
        });
        bar.style.height = `${most > 0 ? Math.max(2, (day.costUsd / most) * 100) : 2}%`;
        return bar;
      }),
    );
  }
}

function top(entries: (UsageSum & { name: string })[], empty: string): HTMLElement[] {
  if (entries.length === 0) return empty ? [el('li', { class: 'muted', text: empty })] : [];
  return entries
    .slice(0, TOP)
    .map((entry) =>
      el(
        'li',
        { title: `${entry.name}: ${count(entry.requests)} requests`, attrs: { 'data-name': entry.name } },
        el('span', { text: entry.name }),
        el('span', { class: 'num', text: money(entry.costUsd) }),
      ),
    );
}
