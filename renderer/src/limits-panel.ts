import type { ClientCountersInfo } from '../../shared/contract.js';
import { byId, el } from './dom.js';
import { count } from './format.js';

/** Per client IP: what is left of the limit, the burst in use, time to reset, refusals. Replaced whole on each update (few rows). */

export class LimitsPanel {
  private readonly body = byId('limits-body');
  private readonly summary = byId('limits-summary');

  render(counters: ClientCountersInfo[]): void {
    const refused = counters.reduce((sum, c) => sum + c.refused, 0);
    this.summary.textContent =
      counters.length === 0 ? '' : `${counters.length} client${counters.length === 1 ? '' : 's'}${refused ? ` · ${refused} refused` : ''}`;
    if (counters.length === 0) {
      this.body.replaceChildren(
        el('p', { class: 'empty-inline', text: 'No clients in the last minute. Counters appear with the first API request.' }),
      );
      return;
    }
    const rows = [...counters]
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .map((c) =>
        el(
          'tr',
          { attrs: { 'data-client': c.client } },
          el('td', { class: 'mono', text: c.client }),
          el(
            'td',
            {},
            el(
              'span',
              { class: 'meter-cell' },
              meter(c.remaining, c.limit),
              el('span', {
                class: `num${c.remaining === 0 ? ' error-text' : ''}`,
                text: `${c.remaining} / ${c.limit}`,
                attrs: { 'data-field': 'remaining' },
              }),
            ),
          ),
          el('td', { class: 'num', text: `${c.burstInUse} / ${c.burst}`, attrs: { 'data-field': 'burst' } }),
          el('td', { class: 'num', text: c.resetInSeconds > 0 ? `${c.resetInSeconds} s` : 'full', attrs: { 'data-field': 'reset' } }),
          el('td', { class: 'num', text: count(c.allowed), attrs: { 'data-field': 'allowed' } }),
          el(
            'td',
            { class: 'num' },
            el('span', {
              class: 'chip',
              text: count(c.refused),
              attrs: { 'data-tone': c.refused > 0 ? 'error' : 'muted', 'data-field': 'refused' },
            }),
          ),
        ),
      );
    this.body.replaceChildren(
      el(
        'table',
        { class: 'grid limits-grid' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['Client IP', 'Remaining this minute', 'Burst in use', 'Full again in', 'Allowed', 'Refused'].map((title, i) =>
              el('th', { text: title, class: i >= 2 ? 'num' : '', attrs: { scope: 'col' } }),
            ),
          ),
        ),
        el('tbody', {}, ...rows),
      ),
    );
  }
}

function meter(value: number, max: number): HTMLElement {
  const share = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  const fill = el('span', { class: 'bar-fill', attrs: { 'data-tone': share === 0 ? 'error' : share < 25 ? 'warn' : 'ok' } });
  fill.style.width = `${share}%`;
  return el('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } }, fill);
}
