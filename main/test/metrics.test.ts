import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
});
