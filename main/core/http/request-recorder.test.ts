import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest } from '../api/chat-request.js';
import { ProxyError } from '../errors.js';
import { RequestLog } from '../request-log.js';
import { RequestRecorder } from './request-recorder.js';

const usage = { inputTokens: 3, outputTokens: 5, cacheCreationInputTokens: 1, cacheReadInputTokens: 2 };
const request = { model: 'sonnet', stream: true, ignored: ['temperature'], tools: [] } as unknown as ChatRequest;

function started() {
  const log = new RequestLog();
  let now = 1_000;
  const updates: string[] = [];
  log.on('updated', (record) => updates.push(record.state));
  const recorder = new RequestRecorder(log, () => now, {
    id: 'req_1',
    clientIp: '127.0.0.1',
    method: 'POST',
    path: '/v1/messages',
    api: 'anthropic',
    userAgent: null,
  });
  return { log, recorder, updates, advance: (ms: number) => (now += ms), record: () => log.get('req_1')! };
}

describe('RequestRecorder', () => {
  it('takes what the handler tells it and is finished once, whatever calls finish again', () => {
    const { recorder, advance, record, updates } = started();
    recorder.chat(request, {}, false);
    recorder.turn({ type: 'spawned', pid: 42 });
    advance(30);
    recorder.turn({ type: 'text', index: 0, text: 'hi' });
    recorder.turn({ type: 'end', stopReason: 'end_turn', stopSequence: null, usage });
    advance(20);
    recorder.finish({ status: 200, error: null, thrown: false });
    recorder.finish({ status: 500, error: null, thrown: true });
    assert.deepEqual(
      { ...record(), startedAt: undefined },
      {
        ...record(),
        startedAt: undefined,
        model: 'sonnet',
        stream: true,
        ignored: ['temperature'],
        cliPid: 42,
        ttftMs: 30,
        state: 'done',
        status: 200,
        durationMs: 50,
        inputTokens: 6,
        outputTokens: 5,
        stopReason: 'end_turn',
      },
    );
    assert.equal(updates.filter((state) => state !== 'in_progress').length, 1, 'one finishing update');
  });

  it('a cancel after the turn ended changes nothing; a cancel before it is a 499', () => {
    const ended = started();
    ended.recorder.turn({ type: 'end', stopReason: 'end_turn', stopSequence: null, usage });
    ended.recorder.cancelled();
    ended.recorder.finish({ status: 200, error: null, thrown: false });
    assert.equal(ended.record().state, 'done');

    const gone = started();
    gone.recorder.cancelled();
    gone.recorder.finish({ status: 502, error: null, thrown: true });
    assert.deepEqual([gone.record().state, gone.record().status], ['cancelled', 499]);
  });

  it("a failure after the answer began is the turn's; one before it is the response's", () => {
    const midStream = started();
    midStream.recorder.turn({ type: 'error', error: new ProxyError('api_error', 'upstream died', { code: 'upstream' }) });
    midStream.recorder.finish({ status: 200, error: null, thrown: false });
    assert.deepEqual([midStream.record().state, midStream.record().error?.message], ['failed', 'upstream died']);

    const refused = started();
    refused.recorder.finish({
      status: 404,
      error: { type: 'not_found_error', code: 'model_not_found', message: 'no such model' },
      thrown: true,
    });
    assert.deepEqual([refused.record().state, refused.record().status, refused.record().error?.code], ['failed', 404, 'model_not_found']);
  });
});
