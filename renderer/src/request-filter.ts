import type { RequestRecord } from '../../shared/request-record.js';

/** What the list shows: a text match, a status class and a model. Pure, so it is unit-tested. */

export type StatusFilter = 'all' | 'in_progress' | 'done' | 'failed' | 'cancelled' | '2xx' | '4xx' | '5xx';

export const STATUS_FILTERS: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All statuses' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'done', label: 'Done' },
  { value: 'failed', label: 'Failed' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: '2xx', label: '2xx' },
  { value: '4xx', label: '4xx' },
  { value: '5xx', label: '5xx' },
];

export interface RequestFilter {
  text: string;
  status: StatusFilter;
  /** Exact model name; '' for any. */
  model: string;
}

export const NO_FILTER: RequestFilter = { text: '', status: 'all', model: '' };

export function isFiltering(filter: RequestFilter): boolean {
  return filter.text.trim() !== '' || filter.status !== 'all' || filter.model !== '';
}

export function matches(record: RequestRecord, filter: RequestFilter): boolean {
  if (filter.model && record.model !== filter.model) return false;
  if (!matchesStatus(record, filter.status)) return false;
  const needle = filter.text.trim().toLowerCase();
  if (!needle) return true;
  const haystack = [
    record.id,
    record.method,
    record.path,
    record.api,
    record.model ?? '',
    record.clientIp,
    record.status === null ? '' : String(record.status),
    record.state,
    record.error?.message ?? '',
    record.error?.code ?? '',
    record.userAgent ?? '',
  ];
  // Every word must appear somewhere, so "post 401" narrows like people expect.
  return needle.split(/\s+/).every((word) => haystack.some((field) => field.toLowerCase().includes(word)));
}

function matchesStatus(record: RequestRecord, status: StatusFilter): boolean {
  switch (status) {
    case 'all':
      return true;
    case 'in_progress':
    case 'done':
    case 'failed':
    case 'cancelled':
      return record.state === status;
    case '2xx':
    case '4xx':
    case '5xx':
      return record.status !== null && Math.floor(record.status / 100) === Number(status[0]);
  }
}
