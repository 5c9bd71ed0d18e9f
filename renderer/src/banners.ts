import { byId, el } from './dom.js';

/** Problems worth a line of their own (connection lost, CLI missing, bad settings), keyed so each shows once. */

export type BannerTone = 'warn' | 'error' | 'info';

export class Banners {
  private readonly root = byId('banners');
  private readonly shown = new Map<string, HTMLElement>();

  set(key: string, message: string | null, tone: BannerTone = 'warn'): void {
    const existing = this.shown.get(key);
    if (!message) {
      existing?.remove();
      this.shown.delete(key);
      return;
    }
    if (existing && existing.textContent === message && existing.dataset.tone === tone) return;
    const banner = el('p', { class: 'banner', text: message, attrs: { 'data-tone': tone, 'data-key': key } });
    if (existing) existing.replaceWith(banner);
    else this.root.append(banner);
    this.shown.set(key, banner);
  }

  /** Replaces every banner whose key starts with `prefix` (e.g. the list of settings warnings). */
  setGroup(prefix: string, messages: string[], tone: BannerTone = 'warn'): void {
    messages.forEach((message, i) => this.set(`${prefix}${i}`, message, tone));
    for (const key of [...this.shown.keys()]) {
      if (key.startsWith(prefix) && Number(key.slice(prefix.length)) >= messages.length) this.set(key, null);
    }
  }
}
