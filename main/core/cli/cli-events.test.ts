import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliLine } from './cli-events.js';
import { transcriptLines } from '../../test/helpers/golden.js';

describe('parseCliLine', () => {
  it('returns undefined for lines that are not a JSON object', () => {
    assert.equal(parseCliLine('Error parsing streaming input line'), undefined);
    assert.equal(parseCliLine('{"type":"result",'), undefined);
    assert.equal(parseCliLine('[1,2]'), undefined);
    assert.equal(parseCliLine('"result"'), undefined);
    assert.equal(parseCliLine('null'), undefined);
    assert.equal(parseCliLine('42'), undefined);
  });

  it('returns an unknown event for JSON the proxy has no use for', () => {
    assert.deepEqual(parseCliLine('{"type":"brand_new_kind","x":1}'), { type: 'unknown', raw: 'brand_new_kind' });
    assert.deepEqual(parseCliLine('{"no_type":true}'), { type: 'unknown', raw: 'undefined' });
    assert.deepEqual(parseCliLine('{"type":"user","message":{"role":"user","content":"hi"}}'), { type: 'unknown', raw: 'user' });
    assert.deepEqual(parseCliLine(''), { type: 'unknown', raw: '' });
  });

  it('returns unknown (not a failure) for a known type in a shape it does not know', () => {
    const newStreamEvent = JSON.stringify({ type: 'stream_event', event: { type: 'content_block_shiny', index: 0 } });
    assert.deepEqual(parseCliLine(newStreamEvent), { type: 'unknown', raw: 'stream_event' });
    assert.deepEqual(parseCliLine('{"type":"result","subtype":"success"}'), { type: 'unknown', raw: 'result' });
  });

  it('keeps extra fields and ignores key order', () => {
    const line = '{"usage":{"output_tokens":3},"is_error":false,"subtype":"success","type":"result","total_cost_usd":0.1}';
    const parsed = parseCliLine(line);
    assert.equal(parsed?.type, 'result');
    assert.ok(parsed?.type === 'result');
    assert.equal(parsed.is_error, false);
    assert.equal(parsed.usage?.output_tokens, 3);
    assert.equal((parsed as Record<string, unknown>).total_cost_usd, 0.1);
  });

  it('accepts null cache counts in usage', () => {
    const parsed = parseCliLine(
      '{"type":"result","subtype":"success","is_error":false,"usage":{"input_tokens":1,"output_tokens":2,"cache_creation_input_tokens":null,"cache_read_input_tokens":null}}',
    );
    assert.ok(parsed?.type === 'result');
    assert.equal(parsed.usage?.cache_read_input_tokens, null);
  });

  it('parses every line of the real transcripts; only user lines and control responses are unknown', () => {
    const names = [
      'mock_basic',
      'mock_thinking',
      'err2_mock-midstream',
      'fallback',
      'nologin_stream',
      'oauth_limit',
      'mock_maxtokens',
      'q3_dontask_mt1',
      'q3_dontask_mt1_parallel',
      'q3_55_dontask_mt1',
      'q4_edge_ids_S',
    ];
    for (const name of names) {
      for (const line of transcriptLines(name)) {
        const parsed = parseCliLine(line);
        assert.ok(parsed !== undefined, `${name}: parsed`);
        const rawType = (JSON.parse(line) as { type: string }).type;
        if (rawType === 'user' || rawType === 'control_response') assert.deepEqual(parsed, { type: 'unknown', raw: rawType });
        else assert.equal(parsed.type, rawType, `${name}: ${line.slice(0, 120)}`);
      }
    }
  });

  it('reads the fields the translator relies on from real lines', () => {
    const lines = transcriptLines('err2_mock-midstream').map(parseCliLine);
    const abandoning = lines.find((line) => line?.type === 'stream_event' && line.abandoned_blocks !== undefined);
    assert.ok(abandoning?.type === 'stream_event');
    assert.equal(abandoning.event.type, 'message_stop');
    assert.deepEqual({ ...abandoning.abandoned_blocks }, { api_message_id: 'msg_mock0045', from_block_index: 0 });

    const oauth = transcriptLines('oauth_limit').map(parseCliLine);
    const limit = oauth.find((line) => line?.type === 'rate_limit_event');
    assert.ok(limit?.type === 'rate_limit_event');
    assert.equal(limit.rate_limit_info.status, 'rejected');
    assert.equal(limit.rate_limit_info.resetsAt, 1795579536);
    const result = oauth.find((line) => line?.type === 'result');
    assert.ok(result?.type === 'result');
    assert.equal(result.api_error, 'usage_limit_reached');
    assert.equal(result.api_error_status, 429);
    const synthetic = oauth.find((line) => line?.type === 'assistant');
    assert.ok(synthetic?.type === 'assistant');
    assert.equal(synthetic.error, 'rate_limit');
    assert.equal(synthetic.message.model, '<synthetic>');
  });
});
