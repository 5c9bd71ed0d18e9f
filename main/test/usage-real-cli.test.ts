import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { UsageTotals } from '../../shared/usage.js';
import { startMockAnthropicApi, type MockApi } from './fixtures/mock-anthropic-api.js';
import { realCliEnv, realCliPath } from './fixtures/real-cli.js';
import { parseProm } from './helpers/prometheus.js';
import { dashboardAuth, postJson, startTestProxy, waitFor, type TestProxy } from './helpers/test-proxy.js';

/**
 * Usage, plan windows and metrics with the real CLI behind the proxy, as a
 * subscriber: the loopback mock sends the plan headers (5-hour window 93%
 * used, 7-day 41%) on every answer, as the API does for a Claude plan.
 */

const PLAN = { fiveHour: 0.93, sevenDay: 0.41 };

function chat(url: string, model: string, userAgent: string): Promise<Response> {
  return postJson(
    `${url}/v1/chat/completions`,
    { model, messages: [{ role: 'user', content: 'ECHO:counted' }] },
    { 'User-Agent': userAgent },
  );
}

function anthropic(url: string, model: string): Promise<Response> {
  return postJson(
    `${url}/v1/messages`,
    { model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
    { 'User-Agent': 'Anthropic/Python 0.60.0' },
  );
}

describe('usage, plan and metrics with the real CLI', { timeout: 600_000 }, () => {
  let mock: MockApi;
  let home: string;
  let dataDir: string;
  let proxy: TestProxy;

  before(async () => {
    mock = await startMockAnthropicApi({ plan: PLAN });
    home = await mkdtemp(path.join(tmpdir(), 'ccp-usage-home-'));
    dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-usage-data-'));
    proxy = await startTestProxy({ cliPath: realCliPath, env: realCliEnv(mock.url, home), dataDir, bridge: true });
  });
  after(async () => {
    await proxy.close();
    await mock.close();
    await rm(home, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a turn records the model used, tokens, cost and client; /health shows the plan windows', async () => {
    const response = await chat(proxy.url, 'claude-sonnet-4-5', 'OpenAI/Python 1.51.0');
    assert.equal(response.status, 200, await response.clone().text());
    const id = response.headers.get('x-request-id')!;
    const record = await waitFor(() => {
      const found = proxy.proxy.request(id);
      return found?.state === 'done' ? found : undefined;
    });
    assert.equal(record.client, 'OpenAI/Python 1.51');
    assert.equal(record.modelUsed, 'claude-sonnet-4-5');
    assert.ok(record.costUsd && record.costUsd > 0, `cost ${record.costUsd}`);
    assert.ok(record.inputTokens && record.inputTokens > 0);
    assert.equal(record.cacheReadTokens, 0);

    const health = await (await fetch(`${proxy.url}/health`)).json();
    assert.equal(health.plan.windows.five_hour.utilization, 0.93);
    assert.equal(health.plan.windows.five_hour.status, 'allowed_warning');
    assert.equal(health.plan.windows.seven_day.utilization, 0.41);
    assert.ok(Date.parse(health.plan.windows.seven_day.resets_at) > Date.now());
    assert.deepEqual(health.plan.overage, { status: 'allowed', in_use: false });
  });

  test('upstream overloaded: 529 overloaded_error on the Anthropic endpoint, 503 on the OpenAI one; Retry-After from the CLI', async () => {
    const onAnthropic = await anthropic(proxy.url, 'claude-mock-529');
    assert.equal(onAnthropic.status, 529);
    const body = await onAnthropic.json();
    assert.equal(body.error.type, 'overloaded_error');
    // realCliEnv allows one retry, after about half a second: rounded up to 1 s.
    assert.equal(onAnthropic.headers.get('retry-after'), '1');

    const onOpenai = await chat(proxy.url, 'claude-mock-529', 'curl/8.5.0');
    assert.equal(onOpenai.status, 503);
    assert.equal((await onOpenai.json()).error.code, 'upstream_overloaded');
    assert.equal(onOpenai.headers.get('retry-after'), '1');
  });

  test('the third-party refusal keeps its 400, gets its own code, and shows in the plan until a turn is answered', async () => {
    const response = await chat(proxy.url, 'claude-mock-third-party', 'Zed/0.201.3');
    assert.equal(response.status, 400);
    const { error } = await response.json();
    assert.equal(error.code, 'extra_usage_required');
    assert.match(error.message, /Third-party apps now draw from your extra usage/);
    assert.equal(error.details.settings_url, 'https://claude.ai/settings/usage');
    const refused = await (await fetch(`${proxy.url}/health`)).json();
    assert.equal(refused.plan.refusal.code, 'extra_usage_required');

    const spent = await anthropic(proxy.url, 'claude-mock-extra-usage');
    assert.equal(spent.status, 400);
    assert.equal((await spent.json()).error.type, 'invalid_request_error');
    assert.equal(proxy.proxy.plan.current.refusal?.code, 'extra_usage_exhausted');

    assert.equal((await chat(proxy.url, 'claude-sonnet-4-5', 'Zed/0.201.3')).status, 200);
    assert.equal(proxy.proxy.plan.current.refusal, null);
  });

  test('/metrics parses as Prometheus text and holds requests, tokens, cost, refusals, CLI and plan figures', async () => {
    // The last turn's CLI may still be on its way out after its answer was sent.
    await waitFor(() => proxy.proxy.stats().cliProcesses === 0 || undefined);
    const response = await fetch(`${proxy.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const samples = parseProm(await response.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples
        .filter((sample) => sample.name === name && Object.entries(labels).every(([key, v]) => sample.labels[key] === v))
        .reduce((sum, sample) => sum + sample.value, 0);
    assert.equal(
      value('claude_proxy_requests_total', {
        route: '/v1/chat/completions',
        status: '200',
        model: 'claude-sonnet-4-5',
        client: 'OpenAI/Python 1.51',
      }),
      1,
    );
    // That client has had no answered turn yet, so it has no label of its own.
    assert.equal(value('claude_proxy_requests_total', { route: '/v1/messages', status: '529', client: 'other' }), 1);
    assert.ok(value('claude_proxy_tokens_total', { type: 'input', model: 'claude-sonnet-4-5' }) > 0);
    assert.ok(value('claude_proxy_tokens_total', { type: 'output', client: 'Zed 0.201' }) > 0);
    assert.ok(value('claude_proxy_cost_usd_total', { client: 'OpenAI/Python 1.51' }) > 0);
    assert.equal(value('claude_proxy_rate_limit_refusals_total', { code: 'extra_usage_required' }), 1);
    assert.ok(value('claude_proxy_first_token_seconds_count') >= 2);
    assert.ok(value('claude_proxy_request_duration_seconds_count') >= 5);
    assert.equal(value('claude_proxy_cli_processes_active'), 0);
    assert.equal(value('claude_proxy_plan_utilization_ratio', { window: 'five_hour' }), 0.93);
    assert.equal(value('claude_proxy_plan_utilization_ratio', { window: 'seven_day' }), 0.41);
    assert.ok(samples.some((sample) => sample.name === 'claude_proxy_pool_misses_total'));
    // Neither logged nor rate-limited: a scraper does not fill the window.
    assert.ok(proxy.proxy.requests().every((record) => record.path !== '/metrics'));
  });

  test('the usage totals at /dashboard/api/usage (dashboard rules), and after a restart on the same history', async () => {
    assert.equal((await fetch(`${proxy.url}/dashboard/api/usage`)).status, 401);
    const read = async (url: string) => {
      const response = await fetch(`${url}/dashboard/api/usage`, { headers: await dashboardAuth(url, dataDir) });
      assert.equal(response.status, 200);
      return (await response.json()) as UsageTotals;
    };
    const before = await read(proxy.url);
    assert.equal(before.today.requests, 6);
    assert.ok(before.today.costUsd > 0);
    const python = before.today.byClient.find((entry) => entry.client === 'OpenAI/Python 1.51');
    assert.equal(python?.requests, 1);
    assert.ok(before.last7Days.byModel.some((entry) => entry.model === 'claude-sonnet-4-5' && entry.requests === 2));
    assert.equal(before.daily.length, 30);
    assert.deepEqual(before.daily.at(-1), { date: before.daily.at(-1)!.date, ...without(before.today) });

    await proxy.close();
    proxy = await startTestProxy({ cliPath: realCliPath, env: realCliEnv(mock.url, home), dataDir, bridge: true });
    const after = await read(proxy.url);
    assert.deepEqual({ ...after, generatedAt: 0 }, { ...before, generatedAt: 0 });
  });
});

function without(period: UsageTotals['today']) {
  const { byClient, byModel, ...sum } = period;
  assert.ok(byClient && byModel);
  return sum;
}
