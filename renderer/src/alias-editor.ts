import { MAX_MODEL_ALIASES } from '../../shared/settings-schema.js';
import { byId, el } from './dom.js';
import type { AliasRow } from './settings-form.js';

/**
 * The model-alias rows of the settings panel: name → model, added and
 * removed in place. Rows are plain inputs; errors arrive by alias name
 * (`modelAliases.<name>`) and mark that row.
 */

export class AliasEditor {
  private readonly rows = byId('alias-rows');
  private readonly add = byId<HTMLButtonElement>('alias-add');
  private readonly empty = byId('alias-empty');
  private readonly error = byId('alias-error');

  constructor(private readonly onEdit: () => void) {
    this.add.addEventListener('click', () => {
      const row = this.append({ name: '', model: '' });
      row.querySelector('input')?.focus();
      this.onEdit();
    });
  }

  set(aliases: readonly AliasRow[]): void {
    this.rows.replaceChildren();
    for (const alias of aliases) this.append(alias);
    this.refresh();
  }

  values(): AliasRow[] {
    return [...this.rows.querySelectorAll<HTMLElement>('.alias-row')].map((row) => ({
      name: input(row, 'name').value,
      model: input(row, 'model').value,
    }));
  }

  /** Shows one problem; `name` picks the row (undefined: the list as a whole). */
  showError(name: string | undefined, message: string): void {
    const row =
      name === undefined
        ? undefined
        : [...this.rows.querySelectorAll<HTMLElement>('.alias-row')].find((candidate) => input(candidate, 'name').value.trim() === name);
    if (row) for (const field of row.querySelectorAll('input')) field.setAttribute('aria-invalid', 'true');
    this.error.hidden = false;
    this.error.textContent = name === undefined ? message : `${name || 'An alias'}: ${message}`;
  }

  clearErrors(): void {
    for (const field of this.rows.querySelectorAll('input')) field.removeAttribute('aria-invalid');
    this.error.hidden = true;
    this.error.textContent = '';
  }

  /** The first row marked invalid, else the Add button (for moving focus to the problem). */
  firstInvalid(): HTMLElement {
    return this.rows.querySelector<HTMLElement>('input[aria-invalid="true"]') ?? this.add;
  }

  private append(alias: AliasRow): HTMLElement {
    const row = el('div', { class: 'alias-row' });
    const name = el('input', {
      class: 'mono',
      attrs: {
        type: 'text',
        'data-part': 'name',
        placeholder: 'gpt-4o',
        autocomplete: 'off',
        spellcheck: 'false',
        maxlength: '200',
        'aria-describedby': 'alias-error',
      },
    });
    const model = el('input', {
      class: 'mono',
      attrs: {
        type: 'text',
        'data-part': 'model',
        placeholder: 'sonnet',
        list: 'cli-models',
        autocomplete: 'off',
        spellcheck: 'false',
        maxlength: '200',
        'aria-describedby': 'alias-error',
      },
    });
    name.value = alias.name;
    model.value = alias.model;
    const remove = el('button', { class: 'btn btn-ghost btn-icon', text: '×', attrs: { type: 'button' } });
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      this.refresh();
      this.onEdit();
      ((next?.querySelector('input') as HTMLElement | null) ?? this.add).focus();
    });
    row.append(name, el('span', { class: 'alias-arrow', text: '→', attrs: { 'aria-hidden': 'true' } }), model, remove);
    this.rows.append(row);
    this.refresh();
    return row;
  }

  /** Row labels follow their position; Add stops at the limit. */
  private refresh(): void {
    const rows = [...this.rows.querySelectorAll<HTMLElement>('.alias-row')];
    rows.forEach((row, index) => {
      input(row, 'name').setAttribute('aria-label', `Alias ${index + 1} name`);
      input(row, 'model').setAttribute('aria-label', `Alias ${index + 1} model`);
      row.querySelector('button')?.setAttribute('aria-label', `Remove alias ${index + 1}`);
    });
    this.empty.hidden = rows.length > 0;
    this.add.disabled = rows.length >= MAX_MODEL_ALIASES;
  }
}

function input(row: HTMLElement, part: 'name' | 'model'): HTMLInputElement {
  return row.querySelector<HTMLInputElement>(`input[data-part="${part}"]`)!;
}
