import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_LABEL_VALUES } from '../core/usage/proxy-metrics.js';
import { parseProm, promValue, type PromSample } from './helpers/prometheus.js';
import { postJson, startTestProxy, waitFor, type TestProxy } from './helpers/test-proxy.js';

/**
 * /metrics with the fake CLI: requests are labelled by the route the router
 * matched, and the client and model labels go only to callers that had a turn
 * answered, so names invented on failing or cheap requests take none.
 */

const MODEL = 'claude-sonnet-4-5';

describe('/metrics labels', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ settings: { rateLimit: { requestsPerMinute: 10_000, burst: 10_000 } } });
  });
  after(() => proxy.close());

  async function scrape(): Promise<PromSample[]> {
    // Every request so far has finished (the last one's record is closed when its body ends).
    await waitFor(() => proxy.proxy.requests().every((record) => record.state !== 'in_progress') || undefined);
    const response = await fetch(`${proxy.url}/metrics`);
    assert.equal(response.status, 200);
    return parseProm(await response.text());
  }

  test('the Responses routes are labelled by their pattern, not `other`', async () => {
    const created = await postJson(`${proxy.url}/v1/responses`, { model: MODEL, input: 'ECHO:kept' });
    assert.equal(created.status, 200);
    const { id } = (await created.json()) as { id: string };
    assert.equal((await fetch(`${proxy.url}/v1/responses/${id}`)).status, 200);
    assert.equal((await fetch(`${proxy.url}/openai/v1/responses/${id}/input_items`)).status, 200);
    assert.equal((await fetch(`${proxy.url}/v1/responses/${id}`, { method: 'DELETE' })).status, 200);
    assert.equal((await fetch(`${proxy.url}/v1/no-such-route`)).status, 404);

    const samples = await scrape();
    const requests = (labels: Record<string, string>) => promValue(samples, 'claude_proxy_requests_total', labels);
    assert.equal(requests({ route: '/v1/responses', status: '200', model: MODEL }), 1);
    assert.equal(requests({ route: '/v1/responses/:id', status: '200' }), 2, 'GET and DELETE');
    assert.equal(requests({ route: '/openai/v1/responses/:id/input_items', status: '200' }), 1);
    assert.equal(requests({ route: 'other', status: '404' }), 1);
  });

  test('names sent with failing or cheap requests take no label; a client with an answered turn gets its own', async () => {
    for (let index = 0; index < MAX_LABEL_VALUES + 10; index++) {
      const agent = { 'User-Agent': `squatter${index}/1.0` };
      // Refused before any turn (no input), and a model list: neither is an answered turn.
      assert.equal((await postJson(`${proxy.url}/v1/chat/completions`, { model: `claude-squat-${index}` }, agent)).status, 400);
      assert.equal((await fetch(`${proxy.url}/v1/models`, { headers: agent })).status, 200);
    }
    const turn = (agent: string, text: string) =>
      postJson(
        `${proxy.url}/v1/chat/completions`,
        { model: MODEL, messages: [{ role: 'user', content: `ECHO:${text}` }] },
        { 'User-Agent': agent },
      );
    assert.equal((await turn('Zed/0.201.3', 'real')).status, 200);

    const samples = await scrape();
    const labelled = (label: 'client' | 'model') =>
      new Set(samples.filter((s) => s.name === 'claude_proxy_requests_total').map((s) => s.labels[label]));
    assert.ok(labelled('client').has('Zed 0.201'));
    assert.ok(![...labelled('client')].some((client) => client?.startsWith('squatter')));
    assert.ok(![...labelled('model')].some((model) => model?.startsWith('claude-squat-')));
    assert.equal(
      promValue(samples, 'claude_proxy_requests_total', { route: '/v1/chat/completions', status: '400', client: 'other' }),
      MAX_LABEL_VALUES + 10,
    );
  });

  test('answered turns under made-up names fill their own pool, not the one kept for the SDKs', async () => {
    for (let index = 0; index < MAX_LABEL_VALUES; index++)
      assert.equal(
        (
          await postJson(
            `${proxy.url}/v1/chat/completions`,
            { model: MODEL, messages: [{ role: 'user', content: 'ECHO:x' }] },
            { 'User-Agent': `made-up${index}/1.0` },
          )
        ).status,
        200,
      );
    const sdk = await postJson(
      `${proxy.url}/v1/chat/completions`,
      { model: MODEL, messages: [{ role: 'user', content: 'ECHO:y' }] },
      { 'User-Agent': 'OpenAI/Python 1.51.0' },
    );
    assert.equal(sdk.status, 200);
    const samples = await scrape();
    assert.equal(promValue(samples, 'claude_proxy_requests_total', { client: 'OpenAI/Python 1.51', status: '200' }), 1);
    assert.equal(promValue(samples, 'claude_proxy_requests_total', { client: 'made-up49 1.0' }), 0, 'past the cap: Zed took one of the 50');
  });
});
