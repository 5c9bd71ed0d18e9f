import type { RequestRecord } from '../../shared/request-record.js';
import { byId, el } from './dom.js';
import { apiLabel, clockTime, dateTime, DASH, duration, money, statusOf, tokens } from './format.js';
import { isFiltering, matches, NO_FILTER, type RequestFilter } from './request-filter.js';
import type { RequestStore } from './request-store.js';

/**
 * The live request table, newest first. Rows are patched in place as records
 * stream (in progress → done/failed), so a selected or focused row stays put.
 * Keyboard: one row is in the tab order at a time (roving tabindex); arrows
 * move, Enter or Space opens it, Escape closes the detail pane.
 */

export interface RequestListEvents {
  select(id: string | undefined): void;
  /** The counts line changed (shown by the toolbar). */
  counts(text: string): void;
}

export class RequestList {
  private readonly body = byId<HTMLTableSectionElement>('request-rows');
  private readonly empty = byId('requests-empty');
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private filter: RequestFilter = NO_FILTER;
  private paused = false;
  /** Records that arrived while paused (added and updated events both come for each). */
  private readonly missed = new Set<string>();
  private selectedId: string | undefined;
  /** The row that holds tabindex=0. */
  private activeId: string | undefined;

  constructor(
    private readonly store: RequestStore,
    private readonly events: RequestListEvents,
    private readonly emptyHint: () => string,
  ) {
    this.body.addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr');
      if (row?.dataset.id) this.select(row.dataset.id, row);
    });
    this.body.addEventListener('keydown', (event) => this.onKey(event));
    this.body.addEventListener('focusin', (event) => {
      const row = (event.target as Element).closest('tr');
      if (row?.dataset.id) this.makeActive(row.dataset.id);
    });
    this.render();
  }

  /** A new or updated record (the store already has it). */
  upsert(record: RequestRecord, dropped: string[] = []): void {
    for (const id of dropped) this.remove(id);
    if (this.paused) {
      if (!this.rows.has(record.id)) this.missed.add(record.id);
      else this.patch(record);
      this.refreshCounts();
      return;
    }
    const row = this.rows.get(record.id);
    if (row) this.patch(record);
    else {
      const created = this.createRow(record);
      created.classList.add('arrived');
      this.body.prepend(created);
    }
    this.afterChange();
  }

  /** Re-renders every row from the store (after a re-list, a clear or un-pausing). */
  render(): void {
    this.rows.clear();
    this.missed.clear();
    this.body.replaceChildren(...this.store.newestFirst().map((record) => this.createRow(record)));
    if (this.selectedId && !this.rows.has(this.selectedId)) this.select(undefined);
    this.afterChange();
  }

  setFilter(filter: RequestFilter): void {
    this.filter = filter;
    for (const [id, row] of this.rows) {
      const record = this.store.get(id);
      row.hidden = !record || !matches(record, filter);
    }
    this.afterChange();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.render();
    else this.refreshCounts();
  }

  select(id: string | undefined, row = id ? this.rows.get(id) : undefined): void {
    if (this.selectedId) this.rows.get(this.selectedId)?.setAttribute('aria-selected', 'false');
    this.selectedId = id && this.rows.has(id) ? id : undefined;
    if (this.selectedId && row) {
      row.setAttribute('aria-selected', 'true');
      this.makeActive(this.selectedId);
    }
    this.events.select(this.selectedId);
  }

  focusSelected(): void {
    const id = this.selectedId ?? this.activeId;
    if (id) this.rows.get(id)?.focus();
  }

  /** Live rows show their elapsed time; called once a second. */
  tick(now: number): void {
    if (this.paused) return;
    for (const [id, row] of this.rows) {
      const record = this.store.get(id);
      if (record?.state !== 'in_progress') continue;
      const cell = row.querySelector('.c-duration');
      if (cell) cell.textContent = duration(Math.max(0, now - record.startedAt));
    }
  }

  private createRow(record: RequestRecord): HTMLTableRowElement {
    const row = el('tr', { attrs: { 'data-id': record.id, tabindex: '-1', 'aria-selected': String(record.id === this.selectedId) } });
    this.rows.set(record.id, row);
    this.fill(row, record);
    return row;
  }

  private patch(record: RequestRecord): void {
    const row = this.rows.get(record.id);
    if (row) this.fill(row, record);
  }

  private fill(row: HTMLTableRowElement, record: RequestRecord): void {
    const status = statusOf(record);
    const live = record.state === 'in_progress';
    row.dataset.state = record.state;
    if (record.refused) row.dataset.refused = 'true';
    else delete row.dataset.refused;
    row.hidden = !matches(record, this.filter);
    row.replaceChildren(
      el('td', { class: 'c-time', text: clockTime(record.startedAt), title: dateTime(record.startedAt) }),
      // The client's name (from its User-Agent) beside its address.
      el(
        'td',
        { class: 'c-client opt mono', title: `${record.client ?? 'unknown client'} · ${record.clientIp}` },
        record.client ?? '',
        el('span', { class: record.client ? 'sub-ip' : '', text: record.clientIp }),
      ),
      el('td', { class: 'c-method' }, el('span', { class: `method method-${record.method.toLowerCase()}`, text: record.method })),
      el('td', { class: 'c-path mono', text: record.path, title: record.path }),
      // Streamed or not rides with the API name: a column of its own does not fit at 900 px.
      el(
        'td',
        { class: 'c-api opt' },
        apiLabel(record.api),
        record.stream ? el('span', { class: 'tag', text: 'SSE', title: 'Streamed (server-sent events)' }) : null,
      ),
      el('td', {
        class: 'c-model mono',
        text: record.model ?? DASH,
        title: record.modelUsed && record.modelUsed !== record.model ? `${record.model} → ${record.modelUsed}` : (record.model ?? ''),
      }),
      el('td', { class: 'c-status' }, el('span', { class: 'chip', text: status.text, attrs: { 'data-tone': status.tone } })),
      el('td', { class: 'c-ttft opt num', text: duration(record.ttftMs) }),
      el('td', {
        class: `c-duration num${live ? ' live' : ''}`,
        text: live ? duration(Math.max(0, Date.now() - record.startedAt)) : duration(record.durationMs),
      }),
      el('td', {
        class: 'c-tokens opt num',
        text: tokens(record),
        title: record.costUsd ? `${money(record.costUsd)} at API rates` : '',
        attrs: record.costUsd ? { 'data-cost': money(record.costUsd) } : {},
      }),
      el('td', { class: 'c-error opt', text: record.error?.message ?? '', title: record.error?.message ?? '' }),
    );
  }

  private remove(id: string): void {
    this.rows.get(id)?.remove();
    this.rows.delete(id);
    if (this.selectedId === id) this.select(undefined);
  }

  private afterChange(): void {
    const visible = this.visibleRows();
    if (!this.activeId || !this.rows.get(this.activeId) || this.rows.get(this.activeId)!.hidden) {
      this.makeActive(visible[0]?.dataset.id);
    }
    this.empty.hidden = visible.length > 0;
    if (visible.length === 0) this.renderEmpty();
    this.refreshCounts();
  }

  private refreshCounts(): void {
    const total = this.store.size;
    const shown = this.visibleRows().length;
    let text = isFiltering(this.filter) ? `${shown} of ${total}` : `${total} request${total === 1 ? '' : 's'}`;
    if (this.paused) text += ` · paused${this.missed.size > 0 ? `, ${this.missed.size} new` : ''}`;
    this.events.counts(text);
  }

  private renderEmpty(): void {
    if (this.store.size === 0 && !this.paused) {
      this.empty.replaceChildren(el('strong', { text: 'No requests yet' }), el('span', { text: this.emptyHint() }));
    } else {
      this.empty.replaceChildren(
        el('strong', { text: 'No requests match the filter' }),
        el('span', { text: 'Change or clear the filter to see more.' }),
      );
    }
  }

  private visibleRows(): HTMLTableRowElement[] {
    return [...this.body.rows].filter((row) => !row.hidden);
  }

  private makeActive(id: string | undefined): void {
    if (this.activeId === id) return;
    if (this.activeId) this.rows.get(this.activeId)?.setAttribute('tabindex', '-1');
    this.activeId = id;
    if (id) this.rows.get(id)?.setAttribute('tabindex', '0');
  }

  private onKey(event: KeyboardEvent): void {
    const row = (event.target as Element).closest('tr');
    const id = row?.dataset.id;
    if (!row || !id) return;
    const visible = this.visibleRows();
    const index = visible.indexOf(row);
    const move = (to: number) => {
      const target = visible[Math.max(0, Math.min(visible.length - 1, to))];
      target?.focus();
      event.preventDefault();
    };
    switch (event.key) {
      case 'ArrowDown':
        return move(index + 1);
      case 'ArrowUp':
        return move(index - 1);
      case 'Home':
        return move(0);
      case 'End':
        return move(visible.length - 1);
      case 'PageDown':
        return move(index + 10);
      case 'PageUp':
        return move(index - 10);
      case 'Enter':
      case ' ':
        event.preventDefault();
        this.select(id, row);
        return;
    }
  }
}
