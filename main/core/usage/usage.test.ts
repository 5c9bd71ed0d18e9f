import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestRecord } from '../../../shared/request-record.js';
import { ProxyError } from '../errors.js';
import { clientName } from './client-name.js';
import { windowLabel } from '../../../shared/usage.js';
import { PlanTracker, type PlanAlert } from './plan-tracker.js';
import { MAX_BUCKETS_PER_DAY, MAX_ROWS, UsageLedger } from './usage-ledger.js';

describe('clientName', () => {
  const cases: [string | null, string][] = [
    ['OpenAI/Python 1.51.0', 'OpenAI/Python 1.51'],
    ['AsyncOpenAI/Python 1.99.9', 'AsyncOpenAI/Python 1.99'],
    ['Anthropic/JS 0.60.0', 'Anthropic/JS 0.60'],
    ['claude-cli/2.1.331 (external, sdk-cli)', 'claude-cli 2.1'],
    ['ai/5.0.8 ai-sdk/provider-utils/3.0.1 runtime/node.js/22', 'ai-sdk'],
    ['Zed/0.201.3 (macos; aarch64)', 'Zed 0.201'],
    ['curl/8.5.0', 'curl 8.5'],
    ['node', 'node'],
    ['Mozilla/5.0 (X11; Linux x86_64) Chrome/140', 'browser'],
    [null, 'unknown'],
    ['  ', 'unknown'],
    ['{weird}', 'other'],
  ];
  for (const [agent, name] of cases) it(`${JSON.stringify(agent)} → ${name}`, () => assert.equal(clientName(agent), name));
});

describe('PlanTracker', () => {
  const at = 1_796_000_000_000;
  const report = (fiveHour: number, status = 'allowed') => ({
    at,
    status,
    windows: [
      { name: 'seven_day', utilization: 0.4, resetsAt: at + 3e8, status: 'allowed' },
      { name: 'five_hour', utilization: fiveHour, resetsAt: at + 7e6, status },
    ],
    overage: null,
  });

  it('keeps the latest of each window, 5-hour first; alerts once per window past 90% or refused, again after it came back', () => {
    const plan = new PlanTracker(() => at);
    const alerts: PlanAlert[] = [];
    plan.on('alert', (alert) => alerts.push(alert));
    plan.plan(report(0.5));
    assert.deepEqual(
      plan.current.windows.map((window) => window.name),
      ['five_hour', 'seven_day'],
    );
    plan.plan(report(0.91, 'allowed_warning'));
    plan.plan(report(0.95, 'allowed_warning'));
    assert.deepEqual(
      alerts.map((alert) => [alert.subject, alert.kind]),
      [['five_hour', 'high']],
    );
    assert.match(alerts[0]!.message, /5-hour window is 91% used/);
    // A refused turn's report names only its window, without a utilization: the last one is kept.
    plan.plan({
      at,
      status: 'rejected',
      windows: [{ name: 'five_hour', utilization: null, resetsAt: at + 7e6, status: 'rejected' }],
      overage: null,
    });
    assert.equal(plan.current.windows[0]?.utilization, 0.95);
    assert.equal(plan.current.windows[1]?.utilization, 0.4);
    plan.plan({
      at,
      status: 'rejected',
      windows: [{ name: 'five_hour', utilization: 1, resetsAt: at + 7e6, status: 'rejected' }],
      overage: null,
    });
    assert.deepEqual(
      alerts.map((alert) => alert.kind),
      ['high', 'rejected'],
    );
    plan.plan(report(0.1));
    plan.plan(report(0.92, 'allowed_warning'));
    assert.equal(alerts.length, 3, 'after the reset the window can alert again');
  });

  it('a plan refusal is kept (and alerted once) until a turn is answered', () => {
    const plan = new PlanTracker(() => at);
    const alerts: PlanAlert[] = [];
    plan.on('alert', (alert) => alerts.push(alert));
    const refusal = new ProxyError('invalid_request_error', 'Third-party apps now draw from your extra usage', {
      code: 'extra_usage_required',
    });
    plan.outcome(refusal);
    plan.outcome(refusal);
    assert.equal(plan.current.refusal?.code, 'extra_usage_required');
    assert.equal(alerts.length, 1);
    plan.outcome(new ProxyError('overloaded_error', 'Overloaded', { code: 'upstream_overloaded' }));
    assert.equal(plan.current.refusal?.code, 'extra_usage_required', 'another failure says nothing about it');
    plan.outcome(undefined);
    assert.equal(plan.current.refusal, null);
  });

  it('names windows for people', () => {
    assert.equal(windowLabel('five_hour'), '5-hour');
    assert.equal(windowLabel('seven_day_opus'), '7-day Opus');
    assert.equal(windowLabel('overage'), 'overage');
  });
});

describe('UsageLedger', () => {
  const now = new Date(2026, 11, 2, 15, 0).getTime();
  const day = 24 * 3600 * 1000;
  let next = 0;
  const record = (fields: Partial<RequestRecord>): RequestRecord => ({
    id: `req_${next++}`,
    startedAt: now,
    clientIp: '127.0.0.1',
    method: 'POST',
    path: '/v1/messages',
    api: 'anthropic',
    model: 'sonnet',
    stream: false,
    state: 'done',
    status: 200,
    ttftMs: 10,
    durationMs: 20,
    inputTokens: 100,
    outputTokens: 10,
    stopReason: 'end_turn',
    error: null,
    ignored: [],
    tools: [],
    toolCalls: [],
    cliPid: null,
    userAgent: 'curl/8.5.0',
    requestBody: null,
    responseText: null,
    ...fields,
  });

  it('sums per client and model for today, 7 and 30 days; cached input is split out; old and unfinished requests are left out', () => {
    const ledger = new UsageLedger(() => now);
    ledger.add(record({ modelUsed: 'claude-sonnet-4-5', client: 'Zed 0.201', costUsd: 0.1, cacheReadTokens: 60, cacheWriteTokens: 30 }));
    ledger.add(record({ startedAt: now - 3 * day, costUsd: 0.2 }));
    ledger.add(record({ startedAt: now - 20 * day, costUsd: 0.4 }));
    ledger.add(record({ startedAt: now - 31 * day, costUsd: 0.8 }));
    ledger.add(record({ state: 'in_progress', costUsd: 1 }));
    ledger.add(record({ refused: true, costUsd: 1 }));
    ledger.add(record({ model: null, status: 429 }));
    const totals = ledger.totals();
    assert.deepEqual([totals.today.requests, totals.last7Days.requests, totals.last30Days.requests], [1, 2, 3]);
    assert.deepEqual(totals.today.byModel, [
      {
        model: 'claude-sonnet-4-5',
        requests: 1,
        inputTokens: 10,
        outputTokens: 10,
        cacheReadTokens: 60,
        cacheWriteTokens: 30,
        costUsd: 0.1,
      },
    ]);
    assert.deepEqual(
      totals.last30Days.byClient.map((entry) => [entry.client, entry.costUsd]),
      [
        ['curl 8.5', 0.6],
        ['Zed 0.201', 0.1],
      ],
    );
    assert.equal(totals.daily.length, 30);
    assert.equal(totals.daily.at(-1)?.costUsd, 0.1);
    assert.equal(totals.daily.at(-4)?.costUsd, 0.2);
    assert.ok(totals.daily[0]!.date < totals.daily.at(-1)!.date, 'oldest first');
  });

  it('lists at most 50 clients and models per period, the largest first, the rest summed into a last `other` row', () => {
    const ledger = new UsageLedger(() => now);
    const many = 30_000;
    for (let index = 0; index < many; index++)
      ledger.add(record({ userAgent: `tool${index}/1.0`, modelUsed: `claude-x-${index}`, costUsd: index === 7 ? 5 : 0.001 }));
    ledger.add(record({ userAgent: '{weird}', costUsd: 0.001 }));
    const totals = ledger.totals();
    for (const period of [totals.today, totals.last7Days, totals.last30Days]) {
      assert.equal(period.byClient.length, MAX_ROWS + 1);
      assert.equal(period.byModel.length, MAX_ROWS + 1);
      assert.equal(period.requests, many + 1);
      assert.equal(period.byClient[0]?.client, 'tool7 1.0', 'the largest by cost first');
      assert.equal(period.byClient.at(-1)?.client, 'other');
      assert.equal(period.byModel.at(-1)?.model, 'other');
      assert.equal(
        period.byClient.reduce((sum, row) => sum + row.requests, 0),
        many + 1,
        'the rows still add up to the period',
      );
    }
    assert.ok(JSON.stringify(totals).length < 100_000, `the answer stays small: ${JSON.stringify(totals).length} characters`);
    assert.deepEqual(ledger.today(), totals.today);
  });

  it('keeps at most 1,000 client/model pairs a day, later new pairs summed as other', () => {
    const ledger = new UsageLedger(() => now);
    for (let index = 0; index < MAX_BUCKETS_PER_DAY + 10; index++) ledger.add(record({ userAgent: `tool${index}/1.0` }));
    ledger.add(record({ userAgent: 'tool3/1.0' }));
    const today = ledger.today();
    assert.equal(today.requests, MAX_BUCKETS_PER_DAY + 11);
    assert.equal(today.byClient.at(-1)?.client, 'other');
    assert.equal(today.byClient.find((row) => row.client === 'tool3 1.0')?.requests, 2, 'a pair already kept is still counted as itself');
  });

  it('a new request shows in the next totals', () => {
    const ledger = new UsageLedger(() => now);
    ledger.add(record({ costUsd: 0.1 }));
    assert.equal(ledger.totals().today.requests, 1);
    ledger.add(record({ costUsd: 0.1 }));
    assert.equal(ledger.totals().today.requests, 2);
    assert.equal(ledger.today().requests, 2);
  });
});
