import type { ProxySnapshot } from '../../shared/contract.js';
import type { WindowHost } from './bridge.js';
import { byId } from './dom.js';

/**
 * The port field: applied on submit, with the outcome spelled out
 * (INVALID_PORT before asking, PORT_IN_USE and friends from the core, which
 * keeps serving on the old port when a move fails).
 */

type Tone = 'ok' | 'error' | 'info';

export class PortForm {
  private readonly form = byId<HTMLFormElement>('port-form');
  private readonly input = byId<HTMLInputElement>('port-input');
  private readonly apply = byId<HTMLButtonElement>('port-apply');
  private readonly feedback = byId('port-feedback');
  private current: ProxySnapshot | undefined;

  constructor(
    private readonly host: WindowHost,
    private readonly onState: (state: ProxySnapshot) => void,
  ) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
    this.input.addEventListener('input', () => {
      // Editing again makes the last outcome stale.
      this.input.removeAttribute('aria-invalid');
      if (!this.apply.disabled) this.feedback.hidden = true;
    });
  }

  render(state: ProxySnapshot): void {
    this.current = state;
    // Never overwrite what the user is typing.
    if (document.activeElement === this.input || this.apply.disabled || this.input.value === String(state.port)) return;
    this.input.value = String(state.port);
    this.input.removeAttribute('aria-invalid');
  }

  private async submit(): Promise<void> {
    const text = this.input.value.trim();
    const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      this.input.setAttribute('aria-invalid', 'true');
      this.say('error', 'INVALID_PORT', `"${text}" is not a port: enter a whole number from 1 to 65535.`);
      this.input.focus();
      return;
    }
    if (this.current?.running && port === this.current.port) {
      this.say('info', '', `Already listening on port ${port}.`);
      return;
    }
    this.apply.disabled = true;
    this.say('info', '', `Moving to port ${port}…`);
    try {
      const result = await this.host.bridge.invoke('proxy:setPort', { port });
      this.onState(result.state);
      if (!result.ok) {
        this.input.setAttribute('aria-invalid', 'true');
        const where = result.state.running ? ` Still serving on ${result.state.url ?? `port ${result.state.port}`}.` : '';
        this.say('error', result.error.code, `${result.error.message}.${where}`);
        return;
      }
      this.say(
        'ok',
        '',
        `Now listening on ${result.state.url ?? `port ${port}`}.${this.host.kind === 'dashboard' ? ' Opening the dashboard there…' : ''}`,
      );
      if (result.state.url) this.host.follow(result.state.url);
    } catch (error) {
      if (this.host.kind === 'dashboard' && error instanceof TypeError) {
        // The core closes the old listener, and the connections on it, as soon as the new port is bound; a failed
        // move leaves them alone. So a dropped connection here means the proxy moved: follow it there.
        this.say('ok', '', `Moved to port ${port}. Opening the dashboard there…`);
        this.host.follow(`${window.location.protocol}//${window.location.hostname}:${port}`);
        return;
      }
      this.say('error', 'UNKNOWN', (error as Error).message);
    } finally {
      this.apply.disabled = false;
    }
  }

  private say(tone: Tone, code: string, message: string): void {
    this.feedback.hidden = false;
    this.feedback.dataset.tone = tone;
    this.feedback.replaceChildren();
    if (code) {
      const badge = document.createElement('code');
      badge.textContent = code;
      this.feedback.append(badge, ' ');
    }
    this.feedback.append(message);
  }
}
