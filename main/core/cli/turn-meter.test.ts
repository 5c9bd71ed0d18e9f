import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transcriptLines } from '../../test/helpers/golden.js';
import { parseCliLine } from './cli-events.js';
import { TurnMeter, type MeterEvent } from './turn-meter.js';

const AT = 1_796_000_000_000;

function meter(name: string): MeterEvent[] {
  const reader = new TurnMeter(() => AT);
  return transcriptLines(name).flatMap((line) => {
    const parsed = parseCliLine(line);
    return parsed ? reader.see(parsed) : [];
  });
}

describe('TurnMeter on real transcripts', () => {
  it("a subscriber's turn: the plan windows from rate_limit_event, then the model used and the cost", () => {
    const events = meter('oauth_plan');
    assert.deepEqual(
      events.map((event) => event.type),
      ['plan', 'usage'],
    );
    const [plan, usage] = events;
    assert.ok(plan?.type === 'plan' && usage?.type === 'usage');
    assert.equal(plan.plan.at, AT);
    assert.equal(plan.plan.status, 'allowed_warning');
    assert.deepEqual(plan.plan.overage, { status: 'allowed', inUse: false });
    assert.deepEqual(
      plan.plan.windows.map(({ name, utilization, status }) => ({ name, utilization, status })),
      [
        { name: 'five_hour', utilization: 0.93, status: 'allowed_warning' },
        { name: 'seven_day', utilization: 0.41, status: 'allowed' },
      ],
    );
    assert.equal(plan.plan.windows[0]?.resetsAt, 1796217878 * 1000, 'epoch seconds become milliseconds');
    assert.deepEqual(usage, { type: 'usage', modelUsed: 'claude-sonnet-4-5', costUsd: 0.021732 });
  });

  it('a refused turn names the window it was refused in', () => {
    const [plan, usage] = meter('oauth_limit');
    assert.ok(plan?.type === 'plan');
    assert.deepEqual(plan.plan.windows, [{ name: 'five_hour', utilization: null, resetsAt: 1795579536 * 1000, status: 'rejected' }]);
    assert.deepEqual(usage, { type: 'usage', modelUsed: 'mock-limit', costUsd: 0 });
  });

  it('an API-key turn reports no plan, only usage', () => {
    assert.deepEqual(
      meter('mock_basic').map((event) => event.type),
      ['usage'],
    );
  });
});
