import type { ProxySnapshot } from '../../shared/contract.js';
import type { SettingsFieldError, SettingsView } from '../../shared/settings-schema.js';
import { AliasEditor } from './alias-editor.js';
import type { WindowHost } from './bridge.js';
import { byId, el } from './dom.js';
import {
  buildPatch,
  formValues,
  isEmptyPatch,
  NUMBER_FIELDS,
  numberBounds,
  TOGGLE_FIELDS,
  type SettingsFormValues,
} from './settings-form.js';

/**
 * The settings dialog: opened from the header, a modal `<dialog>` (focus
 * stays inside; Escape closes it). Save sends only what changed; the core
 * applies it live and saves it, or names the field it refused, shown next to
 * that field. Every text here is set through textContent or value.
 */

type Tone = 'ok' | 'error' | 'info';

export class SettingsPanel {
  private readonly dialog = byId<HTMLDialogElement>('settings-dialog');
  private readonly form = byId<HTMLFormElement>('settings-form');
  private readonly opener = byId<HTMLButtonElement>('settings-open');
  private readonly save = byId<HTMLButtonElement>('settings-save');
  private readonly status = byId('settings-status');
  private readonly cliPath = byId<HTMLInputElement>('set-cli-path');
  private readonly cliPathHint = byId('set-cli-path-hint');
  private readonly launch = byId<HTMLInputElement>('set-launch-at-login');
  private readonly launchHint = byId('set-launch-at-login-hint');
  private readonly aliases = new AliasEditor(() => this.edited());
  private view: SettingsView | undefined;
  private detectedCli: string | null = null;

  constructor(private readonly host: WindowHost) {
    for (const field of NUMBER_FIELDS) {
      const { min, max } = numberBounds(field);
      const hint = this.hintOf(field);
      hint.textContent = `${hint.textContent ?? ''} (${min}–${max})`;
    }
    for (const input of this.form.querySelectorAll<HTMLInputElement>('input[data-field]')) {
      const error = el('p', { class: 'field-error', attrs: { id: `${input.id}-error` } });
      error.hidden = true;
      input.closest('.field')!.append(error);
      input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') ?? ''} ${error.id}`.trim());
      input.addEventListener('input', () => {
        this.clearError(input);
        this.edited();
      });
    }
    this.opener.addEventListener('click', () => void this.open());
    byId('settings-close').addEventListener('click', () => this.close());
    byId('settings-cancel').addEventListener('click', () => this.close());
    this.dialog.addEventListener('close', () => this.opener.focus());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  /** The CLI path found on its own, shown as what an empty field means. */
  render(state: ProxySnapshot): void {
    this.detectedCli = state.health?.cli.path ?? null;
    this.describeCliPath();
  }

  async open(): Promise<void> {
    if (this.dialog.open) return;
    this.opener.disabled = true;
    try {
      this.fill(await this.host.bridge.invoke('settings:get'));
      this.say('info', '');
    } catch (error) {
      // Opened anyway, to say why; Save does nothing without settings to compare with.
      this.view = undefined;
      this.say('error', `Could not load the settings: ${(error as Error).message}`);
    } finally {
      this.opener.disabled = false;
    }
    this.dialog.showModal();
    this.field('rateLimit.requestsPerMinute').focus();
  }

  close(): void {
    this.dialog.close();
  }

  private fill(view: SettingsView): void {
    this.view = view;
    const values = formValues(view);
    for (const field of NUMBER_FIELDS) this.field(field).value = values.numbers[field];
    for (const field of TOGGLE_FIELDS) this.field(field).checked = values.toggles[field];
    this.cliPath.value = values.cliPath;
    this.launch.checked = values.launchAtLogin === true;
    this.launch.disabled = values.launchAtLogin === null;
    this.launchHint.textContent =
      values.launchAtLogin === null
        ? 'Only the desktop app on macOS and Windows can set this.'
        : 'Start in the tray when you log in (also in the tray menu).';
    this.aliases.set(values.aliases);
    this.clearErrors();
    this.describeCliPath();
  }

  private values(): SettingsFormValues {
    return {
      numbers: Object.fromEntries(NUMBER_FIELDS.map((field) => [field, this.field(field).value])) as SettingsFormValues['numbers'],
      toggles: Object.fromEntries(TOGGLE_FIELDS.map((field) => [field, this.field(field).checked])) as SettingsFormValues['toggles'],
      cliPath: this.cliPath.value,
      aliases: this.aliases.values(),
      launchAtLogin: this.launch.disabled ? null : this.launch.checked,
    };
  }

  private async submit(): Promise<void> {
    if (!this.view || this.save.disabled) return;
    this.clearErrors();
    const { patch, errors } = buildPatch(this.view, this.values());
    if (errors.length > 0) {
      this.showErrors(errors);
      return;
    }
    if (isEmptyPatch(patch)) {
      this.say('info', 'No changes to save.');
      return;
    }
    this.save.disabled = true;
    this.say('info', 'Saving…');
    try {
      const result = await this.host.bridge.invoke('settings:update', patch);
      if (!result.ok) {
        this.showErrors([result.error]);
        return;
      }
      this.fill(result.settings);
      this.say('ok', 'Saved. New requests use these settings now.');
    } catch (error) {
      this.say('error', `Could not save: ${(error as Error).message}`);
    } finally {
      this.save.disabled = false;
    }
  }

  private showErrors(errors: readonly SettingsFieldError[]): void {
    let first: HTMLElement | undefined;
    const general: string[] = [];
    for (const { field, message } of errors) {
      const input = field === null ? null : this.form.querySelector<HTMLInputElement>(`input[data-field="${CSS.escape(field)}"]`);
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        const error = byId(`${input.id}-error`);
        error.hidden = false;
        error.textContent = `${this.labelOf(input)} ${message}.`;
        first ??= input;
      } else if (field?.startsWith('modelAliases')) {
        this.aliases.showError(field === 'modelAliases' ? undefined : field.slice('modelAliases.'.length), message);
        first ??= this.aliases.firstInvalid();
      } else {
        general.push(field ? `${field} ${message}` : message);
      }
    }
    const count = errors.length === 1 ? 'One setting needs' : `${errors.length} settings need`;
    this.say('error', general.length > 0 ? general.join('. ') : `${count} fixing; nothing was saved.`);
    first?.focus();
  }

  private clearErrors(): void {
    for (const input of this.form.querySelectorAll<HTMLInputElement>('input[data-field]')) this.clearError(input);
    this.aliases.clearErrors();
  }

  private clearError(input: HTMLInputElement): void {
    input.removeAttribute('aria-invalid');
    const error = document.getElementById(`${input.id}-error`);
    if (error) {
      error.hidden = true;
      error.textContent = '';
    }
  }

  /** Editing again makes the last outcome stale. */
  private edited(): void {
    if (!this.save.disabled && this.status.dataset.tone === 'ok') this.say('info', '');
  }

  private describeCliPath(): void {
    const found = this.detectedCli && this.view?.cliPath === null ? ` (found: ${this.detectedCli})` : '';
    this.cliPathHint.textContent = `Leave empty to find it on PATH and in the usual install places${found}.`;
  }

  private field(name: string): HTMLInputElement {
    return this.form.querySelector<HTMLInputElement>(`input[data-field="${name}"]`)!;
  }

  private hintOf(field: string): HTMLElement {
    return byId(`${this.field(field).id}-hint`);
  }

  private labelOf(input: HTMLInputElement): string {
    return input.labels?.[0]?.textContent?.trim() ?? input.dataset.field ?? '';
  }

  private say(tone: Tone, message: string): void {
    this.status.dataset.tone = tone;
    this.status.textContent = message;
  }
}
