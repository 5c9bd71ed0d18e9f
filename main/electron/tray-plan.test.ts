import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { PlanState } from '../../shared/usage.js';
import { ProxyError } from '../core/errors.js';
import { PlanTracker } from '../core/usage/plan-tracker.js';
import { noticeFor, notifyPlanAlerts } from './plan-notifier.js';
import { TrayController, type TrayLike, type TraySurface } from './tray.js';
import { trayMenuTemplate, trayTooltip, usageLines, type MenuItemDescriptor, type TrayActions, type TraySnapshot } from './tray-menu.js';
import { planLines, resetIn } from './tray-plan.js';

const NOW = 1_796_000_000_000;
const HOUR = 3_600_000;

const plan: PlanState = {
  updatedAt: NOW,
  status: 'allowed_warning',
  windows: [
    { name: 'five_hour', utilization: 0.93, resetsAt: NOW + 2 * HOUR, status: 'allowed_warning' },
    { name: 'seven_day', utilization: 0.41, resetsAt: NOW + 72 * HOUR, status: 'allowed' },
  ],
  overage: { status: 'allowed', inUse: false },
  refusal: null,
};
const running: TraySnapshot = {
  running: true,
  url: 'http://127.0.0.1:8000',
  host: '127.0.0.1',
  port: 8000,
  error: null,
  health: { status: 'healthy', cli: { problem: null }, plan },
};
const login = { supported: true as const, enabled: false };
const noActions: TrayActions = {
  start() {},
  stop() {},
  copyAddress() {},
  openWindow() {},
  openLogs() {},
  setLaunchAtLogin() {},
  quit() {},
};

describe('the plan and spending in the tray', () => {
  it('one line per window, then the extra usage, a refusal and what was spent today', () => {
    assert.deepEqual(planLines(plan, { costUsd: 1.234, requests: 12 }, NOW), [
      '5-hour: 93% used, resets in 2 h',
      '7-day: 41% used, resets in 3 d',
      'Today: $1.23 at API rates, 12 requests',
    ]);
    const refused: PlanState = {
      ...plan,
      windows: [{ name: 'five_hour', utilization: null, resetsAt: NOW + 45 * 60_000, status: 'rejected' }],
      overage: { status: 'allowed', inUse: true },
      refusal: { code: 'extra_usage_required', message: 'Third-party apps…', at: NOW },
    };
    assert.deepEqual(planLines(refused, { costUsd: 0.0042, requests: 1 }, NOW), [
      '5-hour: limit reached, resets in 45 min',
      'Extra usage: in use',
      'Refused by the plan: see your Claude usage settings',
      'Today: $0.0042 at API rates, 1 request',
    ]);
  });

  it('says nothing for an API-key login with no requests yet', () => {
    assert.deepEqual(planLines(undefined, { costUsd: 0, requests: 0 }, NOW), []);
    assert.deepEqual(planLines({ ...plan, updatedAt: null, windows: [] }, undefined, NOW), []);
  });

  it('reset times are coarse, so the menu is not rebuilt every minute', () => {
    assert.equal(resetIn(NOW + 59 * 60_000, NOW), 'in 59 min');
    assert.equal(resetIn(NOW + 59 * 60_000 + 1, NOW), 'in 1 h');
    assert.equal(resetIn(NOW + 90 * 60_000, NOW), 'in 2 h');
    assert.equal(resetIn(NOW - 1, NOW), 'now');
    const at = (now: number) => usageLines({ snapshot: running, launchAtLogin: login, now });
    assert.deepEqual(at(NOW), at(NOW + 60_000));
  });

  it('the menu lists them under the status, greyed out; the tooltip adds them on lines of their own', () => {
    const state = { snapshot: running, launchAtLogin: login, spent: { costUsd: 0.5, requests: 3 }, now: NOW };
    const items = trayMenuTemplate(state, noActions);
    assert.deepEqual(
      items.slice(0, 5).map((item) => [item.id ?? '---', item.label, item.enabled]),
      [
        ['status', 'Running on port 8000', false],
        ['usage-0', '5-hour: 93% used, resets in 2 h', false],
        ['usage-1', '7-day: 41% used, resets in 3 d', false],
        ['usage-2', 'Today: $0.50 at API rates, 3 requests', false],
        ['---', undefined, undefined],
      ],
    );
    assert.equal(
      trayTooltip(running, usageLines(state)),
      'Claude Code Proxy: Running on port 8000\n5-hour: 93% used, resets in 2 h\n7-day: 41% used, resets in 3 d\nToday: $0.50 at API rates, 3 requests',
    );
  });

  it('the tray controller shows them, and updates when the plan moves', () => {
    const tooltips: string[] = [];
    const menus: MenuItemDescriptor[][] = [];
    const tray: TrayLike = { setImage() {}, setToolTip: (text) => tooltips.push(text), setContextMenu() {}, on() {}, destroy() {} };
    const surface: TraySurface = {
      platform: 'linux',
      iconDir: '/app/assets/tray',
      createTray: (icon) => (path.basename(icon), tray),
      buildMenu: (template) => (menus.push(template), template),
      darkBar: () => false,
    };
    const controller = new TrayController(surface, noActions, { snapshot: running, launchAtLogin: login, now: NOW });
    assert.match(tooltips.at(-1)!, /5-hour: 93% used/);
    const later: PlanState = { ...plan, windows: [{ ...plan.windows[0]!, utilization: 1, status: 'rejected' }, plan.windows[1]!] };
    controller.update({ snapshot: { ...running, health: { ...running.health!, plan: later } }, launchAtLogin: login, now: NOW });
    assert.match(tooltips.at(-1)!, /5-hour: limit reached, resets in 2 h/);
    assert.equal(menus.length, 2);
  });
});

describe('plan notifications', () => {
  it('one per window past 90% or refused, and one per plan refusal; a click opens the window', () => {
    const tracker = new PlanTracker(() => NOW);
    const shown: { title: string; body: string }[] = [];
    const clicks: (() => void)[] = [];
    let opened = 0;
    const stop = notifyPlanAlerts(
      tracker,
      {
        supported: () => true,
        show: (notice, onClick) => {
          shown.push(notice);
          clicks.push(onClick);
        },
      },
      () => (opened += 1),
    );
    const report = (fiveHour: number, status: string) => ({
      at: NOW,
      status,
      windows: [{ name: 'five_hour', utilization: fiveHour, resetsAt: NOW + HOUR, status }],
      overage: null,
    });
    tracker.plan(report(0.5, 'allowed'));
    tracker.plan(report(0.93, 'allowed_warning'));
    tracker.plan(report(0.97, 'allowed_warning'));
    tracker.plan(report(1, 'rejected'));
    tracker.outcome(
      new ProxyError('invalid_request_error', 'Third-party apps now draw from your extra usage.', { code: 'extra_usage_required' }),
    );
    tracker.outcome(
      new ProxyError('invalid_request_error', 'Third-party apps now draw from your extra usage.', { code: 'extra_usage_required' }),
    );
    assert.deepEqual(
      shown.map((notice) => notice.title),
      ['Claude plan: 5-hour window at 93%', 'Claude plan: 5-hour limit reached', 'Claude plan refused the proxy'],
    );
    assert.match(shown[2]!.body, /Claude usage settings/);
    clicks[0]!();
    assert.equal(opened, 1);
    stop();
    tracker.plan(report(0.2, 'allowed'));
    tracker.plan(report(0.95, 'allowed_warning'));
    assert.equal(shown.length, 3, 'no more after stop');
  });

  it('nothing where the desktop has no notifications', () => {
    const tracker = new PlanTracker(() => NOW);
    let shown = 0;
    notifyPlanAlerts(tracker, { supported: () => false, show: () => (shown += 1) }, () => undefined);
    tracker.plan({
      at: NOW,
      status: 'rejected',
      windows: [{ name: 'seven_day', utilization: 1, resetsAt: null, status: 'rejected' }],
      overage: null,
    });
    assert.equal(shown, 0);
    assert.equal(
      noticeFor({ subject: 'seven_day_opus', kind: 'rejected', window: undefined, message: 'm' }).title,
      'Claude plan: 7-day Opus limit reached',
    );
  });
});
