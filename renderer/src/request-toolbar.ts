import { byId, el } from './dom.js';
import { STATUS_FILTERS, type RequestFilter, type StatusFilter } from './request-filter.js';

/** Filter by text, status and model; pause and clear. Reports changes; owns no records. */

export interface ToolbarEvents {
  filter(filter: RequestFilter): void;
  pause(paused: boolean): void;
  clear(): Promise<void>;
}

export class RequestToolbar {
  readonly text = byId<HTMLInputElement>('filter-text');
  private readonly status = byId<HTMLSelectElement>('filter-status');
  private readonly model = byId<HTMLSelectElement>('filter-model');
  private readonly pause = byId<HTMLButtonElement>('pause');
  private readonly clearButton = byId<HTMLButtonElement>('clear');
  private readonly countLabel = byId('request-count');
  private knownModels: string[] | undefined;

  constructor(private readonly events: ToolbarEvents) {
    this.status.replaceChildren(...STATUS_FILTERS.map(({ value, label }) => el('option', { text: label, attrs: { value } })));
    this.setModels([]);
    const changed = () => events.filter(this.current());
    this.text.addEventListener('input', changed);
    this.status.addEventListener('change', changed);
    this.model.addEventListener('change', changed);
    this.text.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.text.value) {
        this.text.value = '';
        changed();
        event.stopPropagation();
      }
    });
    this.pause.addEventListener('click', () => {
      const paused = this.pause.getAttribute('aria-pressed') !== 'true';
      this.pause.setAttribute('aria-pressed', String(paused));
      this.pause.textContent = paused ? 'Resume' : 'Pause';
      events.pause(paused);
    });
    this.clearButton.addEventListener('click', () => {
      this.clearButton.disabled = true;
      void events.clear().finally(() => (this.clearButton.disabled = false));
    });
  }

  current(): RequestFilter {
    return { text: this.text.value, status: this.status.value as StatusFilter, model: this.model.value };
  }

  /** Keeps the model choices to the models seen, without losing the current choice. */
  setModels(models: string[]): void {
    const selected = this.model.value;
    const all = selected && !models.includes(selected) ? [...models, selected].sort() : models;
    const known = this.knownModels;
    if (known && all.length === known.length && all.every((model, i) => model === known[i])) return;
    this.knownModels = all;
    this.model.replaceChildren(
      el('option', { text: 'All models', attrs: { value: '' } }),
      ...all.map((model) => el('option', { text: model, attrs: { value: model } })),
    );
    this.model.value = selected;
  }

  setCounts(text: string): void {
    this.countLabel.textContent = text;
  }
}
