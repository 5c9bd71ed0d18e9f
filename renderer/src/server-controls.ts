import type { ProxySnapshot } from '../../shared/contract.js';
import type { WindowHost } from './bridge.js';
import { byId } from './dom.js';

/**
 * The server switch (LM Studio style), its state and base URL. In a browser
 * the page is served by the proxy itself, so stopping it from here would
 * strand the page: there the switch is off-limits and says why.
 */

export class ServerControls {
  private readonly toggle = byId<HTMLButtonElement>('server-toggle');
  private readonly pill = byId('server-state');
  private readonly url = byId('server-url');
  private readonly copy = byId<HTMLButtonElement>('copy-url');
  private state: ProxySnapshot | undefined;
  private busy = false;

  constructor(
    private readonly host: WindowHost,
    private readonly onState: (state: ProxySnapshot) => void,
  ) {
    this.toggle.addEventListener('click', () => void this.flip());
    this.copy.addEventListener('click', () => void this.copyUrl());
  }

  render(state: ProxySnapshot): void {
    this.state = state;
    const running = state.running;
    this.toggle.setAttribute('aria-checked', String(running));
    const strands = this.host.kind === 'dashboard' && running;
    this.toggle.disabled = this.busy || strands;
    this.toggle.title = strands
      ? 'This page is served by the proxy: stopping it here would close the page. Stop it from its terminal (Ctrl+C).'
      : running
        ? 'Stop the proxy (ends running requests)'
        : 'Start the proxy';
    this.pill.dataset.tone = running ? 'ok' : state.error ? 'error' : 'muted';
    this.pill.textContent = running ? 'Running' : state.error ? `Stopped · ${state.error.code}` : 'Stopped';
    this.url.textContent = state.url ?? `${state.host}:${state.port}`;
    this.url.title = running ? 'Base URL (Anthropic SDKs); OpenAI clients add /v1' : 'Not listening';
    this.copy.hidden = !state.url;
  }

  private async flip(): Promise<void> {
    if (!this.state || this.busy) return;
    this.busy = true;
    this.toggle.disabled = true;
    this.pill.textContent = this.state.running ? 'Stopping…' : 'Starting…';
    try {
      const next = await this.host.bridge.invoke(this.state.running ? 'proxy:stop' : 'proxy:start');
      this.busy = false;
      this.onState(next);
    } catch {
      this.busy = false;
      this.render(this.state);
    }
  }

  private async copyUrl(): Promise<void> {
    if (!this.state?.url) return;
    try {
      await navigator.clipboard.writeText(this.state.url);
      this.copy.textContent = 'Copied';
    } catch {
      this.copy.textContent = 'Failed';
    }
    setTimeout(() => (this.copy.textContent = 'Copy'), 1_200);
  }
}
