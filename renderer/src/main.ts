import type { ProxySnapshot } from '../../shared/contract.js';
import { Banners } from './banners.js';
import { connectHost } from './bridge.js';
import { HealthPanel } from './health-panel.js';
import { LimitsPanel } from './limits-panel.js';
import { PlanPanel, refusalBanner } from './plan-panel.js';
import { PortForm } from './port-form.js';
import { RequestDetail } from './request-detail.js';
import { RequestList } from './request-list.js';
import { RequestStore } from './request-store.js';
import { RequestToolbar } from './request-toolbar.js';
import { ServerControls } from './server-controls.js';
import { SettingsPanel } from './settings-panel.js';
import { UsagePanel } from './usage-panel.js';

/**
 * The window: wires the views to the contract. Events keep it live; a re-list
 * after every (re)connect covers what was missed; a slow poll refreshes what
 * has no event (uptime, CLI processes, counters of clients gone quiet).
 */

const STATE_POLL_MS = 3_000;
const LIMITS_POLL_MS = 5_000;

const host = connectHost();
const { bridge } = host;

const banners = new Banners();
const health = new HealthPanel();
const limits = new LimitsPanel();
const plan = new PlanPanel();
const usage = new UsagePanel();
const store = new RequestStore();
let state: ProxySnapshot | undefined;

const baseUrl = () => state?.url ?? window.location.origin;
const applyState = (next: ProxySnapshot) => {
  state = next;
  server.render(next);
  portForm.render(next);
  settings.render(next);
  health.render(next);
  plan.render(next.health?.plan);
  banners.set('plan', refusalBanner(next.health?.plan), 'error');
  banners.set('cli', next.health && !next.health.cli.available ? next.health.cli.problem : null, 'error');
  banners.set('server', !next.running && next.error ? `${next.error.code}: ${next.error.message}` : null, 'error');
  banners.setGroup('warning:', next.warnings);
};
const server = new ServerControls(host, applyState);
const portForm = new PortForm(host, applyState);
const settings = new SettingsPanel(host);

const detail = new RequestDetail({
  bridge,
  baseUrl,
  close: () => {
    list.select(undefined);
    list.focusSelected();
  },
});
const toolbar = new RequestToolbar({
  filter: (filter) => list.setFilter(filter),
  pause: (paused) => list.setPaused(paused),
  clear: async () => {
    await bridge.invoke('requests:clear');
  },
});
const list = new RequestList(
  store,
  {
    select: (id) => detail.show(id ? store.get(id) : undefined),
    counts: (text) => toolbar.setCounts(text),
  },
  () => `Point a client at ${baseUrl()}/v1 (OpenAI) or ${baseUrl()} (Anthropic); requests show here as they arrive.`,
);

async function refreshState(): Promise<void> {
  applyState(await bridge.invoke('proxy:getState'));
}

/** Throttled: a burst of request events asks for the state (and the usage totals) once. */
let stateTimer: number | undefined;
function refreshStateSoon(): void {
  if (stateTimer !== undefined) return;
  stateTimer = window.setTimeout(() => {
    stateTimer = undefined;
    void refreshState().catch(() => undefined);
    void refreshUsage();
  }, 250);
}

/** A host without the usage channel (an older core) leaves the panel as it is. */
async function refreshUsage(): Promise<void> {
  await bridge.invoke('usage:totals').then(
    (totals) => usage.render(totals),
    () => undefined,
  );
}

async function resync(): Promise<void> {
  const [snapshot, records, counters] = await Promise.all([
    bridge.invoke('proxy:getState'),
    bridge.invoke('requests:list'),
    bridge.invoke('limits:list'),
  ]);
  applyState(snapshot);
  void refreshUsage();
  store.reset(records);
  toolbar.setModels(store.models());
  list.render();
  list.setFilter(toolbar.current());
  limits.render(counters);
  const shown = detail.shownId && store.get(detail.shownId);
  detail.show(shown || undefined);
  if (shown) list.select(shown.id);
}

bridge.on('requests:added', (record) => {
  list.upsert(record, store.upsert(record));
  toolbar.setModels(store.models());
  refreshStateSoon();
});
bridge.on('requests:updated', (record) => {
  list.upsert(record, store.upsert(record));
  if (record.model) toolbar.setModels(store.models());
  detail.update(record);
  refreshStateSoon();
});
bridge.on('requests:cleared', () => {
  store.clear();
  toolbar.setModels([]);
  list.render();
});
bridge.on('proxy:state', applyState);
bridge.on('limits:changed', (counters) => limits.render(counters));

host.onConnection((connection) => {
  if (connection === 'lost') {
    banners.set('connection', 'Lost the connection to the proxy: reconnecting…', 'error');
    return;
  }
  banners.set('connection', null);
  void resync().catch((error: unknown) =>
    banners.set('connection', `Could not load the proxy's state: ${(error as Error).message}`, 'error'),
  );
});

window.setInterval(() => {
  const now = Date.now();
  health.tick(now);
  plan.tick(now);
  list.tick(now);
}, 1_000);
window.setInterval(() => void refreshState().catch(() => undefined), STATE_POLL_MS);
window.setInterval(
  () =>
    void bridge.invoke('limits:list').then(
      (counters) => limits.render(counters),
      () => undefined,
    ),
  LIMITS_POLL_MS,
);

document.addEventListener('keydown', (event) => {
  // The settings dialog is modal: its own keys (Escape closes it) are not the page's shortcuts.
  if (settings.isOpen) return;
  const typing =
    event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement || event.target instanceof HTMLTextAreaElement;
  if (event.key === '/' && !typing) {
    event.preventDefault();
    toolbar.text.focus();
    toolbar.text.select();
  } else if (event.key === 'Escape' && detail.shownId) {
    // The filter field takes Escape first to clear itself (and stops it); otherwise Escape closes the detail pane.
    list.select(undefined);
    list.focusSelected();
  }
});
