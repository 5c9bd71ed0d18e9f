import type { ProxyBridge } from '../../shared/contract.js';
import type { RequestRecord } from '../../shared/request-record.js';
import { curlCommand } from './curl.js';
import { byId, el } from './dom.js';
import { apiLabel, count, dateTime, DASH, duration, money, stateLabel, statusOf } from './format.js';

/**
 * The selected request: what was asked, what came back (or why not), timings,
 * the headers we know, copy as curl, and cancel while it runs. Re-rendered
 * whole on every update of that record; the focused action is kept.
 */

export interface DetailDeps {
  bridge: ProxyBridge;
  /** The proxy's current base URL, for the curl command. */
  baseUrl(): string;
  close(): void;
}

export class RequestDetail {
  private readonly root = byId('detail');
  private readonly workspace = byId('workspace');
  private record: RequestRecord | undefined;
  /** Feedback of the last action ("Copied", "Cancelling…"), kept across re-renders. */
  private note: { id: string; text: string; tone: 'ok' | 'error' } | undefined;

  constructor(private readonly deps: DetailDeps) {}

  get shownId(): string | undefined {
    return this.record?.id;
  }

  show(record: RequestRecord | undefined): void {
    if (record?.id !== this.record?.id) this.note = undefined;
    this.record = record;
    this.root.hidden = !record;
    this.workspace.classList.toggle('has-detail', Boolean(record));
    if (record) this.render(record);
  }

  update(record: RequestRecord): void {
    if (record.id === this.record?.id) this.show(record);
  }

  private render(record: RequestRecord): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset.action;
    const status = statusOf(record);
    const curl = curlCommand(record, this.deps.baseUrl());
    const live = record.state === 'in_progress';

    const copy = el('button', { class: 'btn btn-primary', text: 'Copy as curl', attrs: { type: 'button', 'data-action': 'copy' } });
    copy.addEventListener('click', () => void this.copy(record.id, curl.command));
    const cancel = el('button', { class: 'btn btn-danger', text: 'Cancel request', attrs: { type: 'button', 'data-action': 'cancel' } });
    cancel.disabled = !live;
    cancel.title = live ? 'End this request and its CLI process' : 'Only a request in progress can be cancelled';
    cancel.addEventListener('click', () => void this.cancel(record.id));
    const close = el('button', {
      class: 'btn btn-ghost btn-icon',
      text: '×',
      title: 'Close (Esc)',
      attrs: { type: 'button', 'aria-label': 'Close details', 'data-action': 'close' },
    });
    close.addEventListener('click', () => this.deps.close());

    const note =
      this.note?.id === record.id
        ? el('span', { class: `note note-${this.note.tone}`, text: this.note.text, attrs: { role: 'status' } })
        : null;

    this.root.replaceChildren(
      el(
        'div',
        { class: 'detail-head' },
        el('span', { class: 'chip', text: status.text, attrs: { 'data-tone': status.tone } }),
        el(
          'h3',
          { class: 'mono', title: `${record.method} ${record.path}` },
          el('span', { class: 'method-text', text: record.method }),
          ` ${record.path}`,
        ),
        close,
      ),
      el('div', { class: 'detail-actions' }, copy, cancel, note),
      el(
        'div',
        { class: 'detail-scroll' },
        record.error
          ? el(
              'div',
              { class: 'callout', attrs: { 'data-tone': status.tone } },
              el('strong', { text: `${status.text} · ${record.error.code}` }),
              el('p', { class: 'error-message', text: record.error.message }),
            )
          : null,
        ...this.sections(record, curl),
      ),
    );
    if (focused) this.root.querySelector<HTMLElement>(`[data-action="${focused}"]`)?.focus();
  }

  private sections(record: RequestRecord, curl: { command: string; placeholder: boolean }): HTMLElement[] {
    const total = record.durationMs;
    const ttftShare = total && record.ttftMs !== null ? Math.min(100, Math.round((record.ttftMs / total) * 100)) : null;
    const response: [string, string | Node][] = record.error
      ? [
          ['Status', record.status === null ? DASH : String(record.status)],
          ['Type', record.error.type],
          ['Code', el('code', { text: record.error.code })],
          ...(record.refused
            ? [['Refused', 'yes: turned away before any work; not rate-limited, not kept in history'] as [string, string]]
            : []),
        ]
      : record.api === 'other'
        ? [['Status', record.status === null ? DASH : String(record.status)]]
        : [
            ['Status', record.status === null ? DASH : String(record.status)],
            ['Stop reason', record.stopReason ?? DASH],
            ['Model used', record.modelUsed ? el('code', { text: record.modelUsed }) : DASH],
            ['Tokens in', count(record.inputTokens)],
            ['Tokens out', count(record.outputTokens)],
            ['Cache read / write', `${count(record.cacheReadTokens ?? null)} / ${count(record.cacheWriteTokens ?? null)}`],
            ['Cost (API rates)', el('span', { text: money(record.costUsd), attrs: { 'data-field': 'cost' } })],
          ];
    return [
      section('Request', [
        ['Started', dateTime(record.startedAt)],
        ['Client', record.client ?? DASH],
        ['Client IP', el('code', { text: record.clientIp })],
        ['API', apiLabel(record.api)],
        ['Model', record.model ? el('code', { text: record.model }) : DASH],
        ['Streamed', record.stream ? 'yes (SSE)' : 'no'],
      ]),
      section(`Response · ${stateLabel(record.state)}`, [
        ...response,
        ['CLI process', record.cliPid === null ? DASH : `pid ${record.cliPid}`],
      ]),
      section('Timings', [
        ['First token', duration(record.ttftMs)],
        ['Duration', record.state === 'in_progress' ? 'running…' : duration(total)],
        ...(ttftShare !== null ? [['', timingBar(ttftShare)] as [string, Node]] : []),
      ]),
      section('Headers', [
        ['X-Request-Id', el('code', { text: record.id })],
        [
          'X-Claude-Proxy-Ignored',
          record.ignored.length
            ? el('code', { class: 'warn-text', text: record.ignored.join(', ') })
            : el('span', { class: 'muted', text: 'none' }),
        ],
        ['User-Agent', record.userAgent ? el('code', { text: record.userAgent }) : DASH],
      ]),
      ...(record.tools.length > 0 || record.toolCalls.length > 0 ? [toolsSection(record)] : []),
      ...(record.requestBody ? [bodySection('Request body', record.requestBody)] : []),
      ...(record.responseText ? [bodySection('Answer', record.responseText)] : []),
      el(
        'section',
        { class: 'detail-section' },
        el('h4', { text: 'curl' }),
        el('pre', { class: 'curl mono', text: curl.command, attrs: { id: 'curl-preview', tabindex: '0', 'aria-label': 'curl command' } }),
        curl.placeholder
          ? el('p', { class: 'hint', text: 'Prompts are not recorded (logBodies is off): the body is a placeholder of the right shape.' })
          : null,
      ),
    ];
  }

  private async copy(id: string, text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.setNote(id, 'Copied to the clipboard', 'ok');
    } catch {
      this.setNote(id, 'Could not reach the clipboard: select the command below', 'error');
    }
  }

  private async cancel(id: string): Promise<void> {
    this.setNote(id, 'Cancelling…', 'ok');
    try {
      const { cancelled } = await this.deps.bridge.invoke('requests:cancel', { id });
      this.setNote(id, cancelled ? 'Cancelled: its CLI process was ended' : 'It had already finished', cancelled ? 'ok' : 'error');
    } catch (error) {
      this.setNote(id, `Cancel failed: ${(error as Error).message}`, 'error');
    }
  }

  private setNote(id: string, text: string, tone: 'ok' | 'error'): void {
    this.note = { id, text, tone };
    if (this.record?.id === id) this.render(this.record);
  }
}

/** Kept only with `logBodies` on, and truncated by the core. */
function bodySection(title: string, text: string): HTMLElement {
  return el('section', { class: 'detail-section' }, el('h4', { text: title }), el('pre', { class: 'curl mono body-text', text }));
}

function section(title: string, rows: [string, string | Node][]): HTMLElement {
  return el(
    'section',
    { class: 'detail-section' },
    el('h4', { text: title }),
    el('dl', { class: 'kv' }, ...rows.flatMap(([key, value]) => [el('dt', { text: key }), el('dd', {}, value)])),
  );
}

/** Waiting for the first token vs generating, as a share of the whole request. */
function timingBar(ttftShare: number): HTMLElement {
  const wait = el('span', { class: 'timing-wait' });
  // CSSOM writes are allowed by the CSP (style-src 'self' forbids only inline style attributes and <style>).
  wait.style.width = `${ttftShare}%`;
  return el('div', { class: 'timing-bar', title: `First token after ${ttftShare}% of the request; the rest is generation` }, wait);
}

/** The tools offered and the calls made, with their arguments (the results are in the kept request body). */
function toolsSection(record: RequestRecord): HTMLElement {
  return el(
    'section',
    { class: 'detail-section', attrs: { 'data-section': 'tools' } },
    el('h4', { text: 'Tools' }),
    el(
      'p',
      {},
      el('span', { class: 'muted', text: 'Offered: ' }),
      el('code', { text: record.tools.length ? record.tools.join(', ') : 'none' }),
    ),
    ...record.toolCalls.map((call) =>
      el(
        'div',
        { class: 'tool-call' },
        el(
          'p',
          {},
          el('span', { class: 'muted', text: 'Called: ' }),
          el('code', { text: call.name }),
          el('span', { class: 'muted', text: ` ${call.id}` }),
        ),
        el('pre', { class: 'mono', text: call.input || '{}' }),
      ),
    ),
  );
}
