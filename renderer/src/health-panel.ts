import type { ProxySnapshot } from '../../shared/contract.js';
import { byId } from './dom.js';
import { clockTime, uptime } from './format.js';

/** The health strip: proxy status, CLI, login, CLI processes, uptime. Uptime ticks locally between refreshes. */

type Tone = 'ok' | 'warn' | 'error' | 'muted';

export class HealthPanel {
  private uptimeBase: { seconds: number; at: number } | undefined;

  render(state: ProxySnapshot): void {
    const health = state.health;
    if (!health) {
      for (const id of ['health-status', 'health-cli', 'health-login', 'health-processes']) setCard(id, '—', '', 'muted');
      return;
    }
    const status = !state.running
      ? { text: 'Stopped', tone: 'muted' as const }
      : health.status === 'healthy'
        ? { text: 'Healthy', tone: 'ok' as const }
        : health.status === 'degraded'
          ? { text: 'Degraded', tone: 'warn' as const }
          : { text: 'Unavailable', tone: 'error' as const };
    setCard('health-status', status.text, `proxy v${health.version}`, status.tone);

    const cli = health.cli;
    // `claude --version` prints "2.1.331 (Claude Code)"; the number is what matters.
    if (cli.available) setCard('health-cli', cli.version ? `v${cli.version.replace(/\s*\(.*\)\s*$/, '')}` : 'Found', cli.path ?? '', 'ok');
    else setCard('health-cli', 'Not found', cli.problem ?? '', 'error');

    if (!cli.available) setCard('health-login', 'Unknown', 'needs the CLI', 'muted');
    else if (cli.lastAuthFailure) {
      const at = Date.parse(cli.lastAuthFailure.at);
      setCard('health-login', 'Not logged in', `${Number.isNaN(at) ? '' : `${clockTime(at)} · `}${cli.lastAuthFailure.message}`, 'error');
    } else setCard('health-login', 'Logged in', 'no auth failure seen', 'ok');

    const p = health.processes;
    const pool = health.pool?.enabled ? ` · ${health.pool.warm} warm` : '';
    setCard(
      'health-processes',
      `${p.active} active · ${p.queued} queued`,
      `max ${p.max} at once, ${p.maxQueue} waiting${pool}`,
      p.queued > 0 ? 'warn' : p.active > 0 ? 'ok' : 'muted',
    );

    this.uptimeBase = { seconds: health.uptimeSeconds, at: Date.now() };
    this.tick(Date.now());
  }

  tick(now: number): void {
    if (!this.uptimeBase) return;
    const seconds = this.uptimeBase.seconds + (now - this.uptimeBase.at) / 1000;
    setCard('health-uptime', uptime(seconds), `since ${clockTime(now - seconds * 1000)}`, 'muted');
  }
}

function setCard(id: string, text: string, sub: string, tone: Tone): void {
  const card = byId(id);
  card.dataset.tone = tone;
  card.querySelector('.card-text')!.textContent = text;
  const subLine = card.querySelector<HTMLElement>('.card-sub')!;
  subLine.textContent = sub || '—';
  subLine.title = sub;
}
