import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage, CliBlock } from '../api/chat-request.js';
import { ProxyError } from '../errors.js';
import { parseCliLine, type CliEvent } from './cli-events.js';
import { assistantLine, initializeLine, replaySteps, userLine } from './cli-input.js';
import { ConversationWriter } from './cli-replay.js';
import { createTurnState, step } from './cli-turn.js';
import type { TurnEvent } from './turn-events.js';
import { transcriptInput, transcriptLines } from '../../test/helpers/golden.js';

const INIT = initializeLine({ system: 'Be terse.', tools: [] });
const RESOLVED = 'claude-sonnet-4-5-20250929';

// The CLI's lines around a replayed turn, in the shapes of the tool transcripts (q4b_seq_long_cc).
const line = (value: object): CliEvent => parseCliLine(JSON.stringify(value))!;
const initReply = line({ type: 'control_response', response: { subtype: 'success', request_id: 'init', response: {} } });
const systemInit = (tools: string[] = [], model = RESOLVED) =>
  line({ type: 'system', subtype: 'init', cwd: '/tmp', session_id: 's', tools, mcp_servers: [], model, permissionMode: 'dontAsk' });
const ack = line({ type: 'result', subtype: 'success', is_error: false, result: '', num_turns: 0, stop_reason: null, session_id: 's' });
const failedAck = line({ type: 'result', subtype: 'error_during_execution', is_error: true, num_turns: 0, session_id: 's' });

interface Written {
  lines: string[];
  end: boolean;
}

function writerFor(messages: ChatMessage[], toolNames: string[] = []) {
  const writes: Written[] = [];
  const writer = new ConversationWriter(replaySteps(messages), (lines, end) => writes.push({ lines, end }), 'sonnet', toolNames);
  return { writer, writes };
}

const user = (content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });
const assistant = (content: CliBlock[]): ChatMessage => ({ role: 'assistant', content });
const call: CliBlock = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } };
const result: CliBlock = { type: 'tool_result', tool_use_id: 'toolu_1', content: '21C' };

describe('ConversationWriter', () => {
  it('one user turn: the initialize line and the querying line at once, then stdin ends', () => {
    const { writer, writes } = writerFor([user('Hi')]);
    writer.start(INIT);
    assert.deepEqual(writes, [{ lines: [INIT, userLine('Hi', true)], end: true }]);
    assert.equal(writes.at(-1)!.end, true, 'the querying turn is out: stdin ended');
    for (const event of [initReply, systemInit(), ack]) assert.equal(writer.observe(event), 'answer');
    assert.equal(writes.length, 1);
  });

  it('a past user turn is written alone and the rest only after its acknowledgement', () => {
    const { writer, writes } = writerFor([user('Weather?'), assistant([{ type: 'text', text: 'Checking.' }, call]), user([result])]);
    writer.start(INIT);
    assert.deepEqual(writes, [{ lines: [INIT, userLine('Weather?', false)], end: false }]);
    assert.equal(JSON.parse(writes[0]!.lines[1]!).shouldQuery, false);
    assert.equal(writes.at(-1)!.end, false, 'still replaying: stdin open');

    // Everything up to the acknowledgement belongs to the replay, not to the answer.
    assert.equal(writer.observe(initReply), 'consumed');
    assert.equal(writer.observe(systemInit()), 'consumed');
    assert.equal(writes.length, 1, 'nothing more is written before the acknowledgement');
    assert.equal(writer.observe(ack), 'consumed');

    // The assistant turn carries the model the CLI resolved (so its thinking blocks are kept), and the last turn queries.
    assert.deepEqual(writes[1], {
      lines: [assistantLine([{ type: 'text', text: 'Checking.' }, call], RESOLVED), userLine([result], true)],
      end: true,
    });
    assert.equal(JSON.parse(writes[1].lines[0]!).message.model, RESOLVED);
    assert.equal(writes.at(-1)!.end, true, 'the querying turn is out: stdin ended');
    assert.equal(writer.observe(systemInit()), 'answer');
    assert.equal(writer.observe(ack), 'answer', 'the result of the querying turn is the answer’s');
  });

  it('each past user turn waits for its own acknowledgement', () => {
    const { writer, writes } = writerFor([
      user('One'),
      assistant([{ type: 'text', text: 'A' }]),
      user('Two'),
      assistant([{ type: 'text', text: 'B' }]),
      user('Three'),
    ]);
    writer.start(INIT);
    writer.observe(systemInit());
    writer.observe(ack);
    writer.observe(systemInit());
    writer.observe(ack);
    assert.deepEqual(writes, [
      { lines: [INIT, userLine('One', false)], end: false },
      { lines: [assistantLine([{ type: 'text', text: 'A' }], RESOLVED), userLine('Two', false)], end: false },
      { lines: [assistantLine([{ type: 'text', text: 'B' }], RESOLVED), userLine('Three', true)], end: true },
    ]);
  });

  it('an assistant turn before any acknowledgement carries the fallback model', () => {
    const { writer, writes } = writerFor([assistant([{ type: 'text', text: 'Hello.' }]), user('Hi')]);
    writer.start(INIT);
    assert.deepEqual(writes, [
      { lines: [INIT, assistantLine([{ type: 'text', text: 'Hello.' }], 'sonnet'), userLine('Hi', true)], end: true },
    ]);
  });

  it('a conversation ending with an assistant turn (a prefill) is continued by a querying user line', () => {
    const { writer, writes } = writerFor([user('Count to 5'), assistant([{ type: 'text', text: '1, 2,' }])]);
    writer.start(INIT);
    writer.observe(systemInit());
    writer.observe(ack);
    const last = writes.at(-1)!;
    assert.equal(last.end, true);
    assert.equal(JSON.parse(last.lines[0]!).type, 'assistant');
    const continuation = JSON.parse(last.lines[1]!);
    assert.equal(continuation.shouldQuery, undefined);
    assert.match(continuation.message.content[0].text, /Continue your last message/);
  });

  it('a failed acknowledgement is the answer’s (the turn fails with it); nothing more is written', () => {
    const { writer, writes } = writerFor([user('One'), assistant([{ type: 'text', text: 'A' }]), user('Two')]);
    writer.start(INIT);
    assert.equal(writer.observe(failedAck), 'answer');
    assert.equal(writes.length, 1);
  });

  it('every declared tool offered in system/init: the replay goes on', () => {
    const { writer } = writerFor([user('Weather?')], ['get_weather', 'json_answer']);
    writer.start(INIT);
    assert.equal(writer.observe(systemInit(['json_answer', 'get_weather', 'other'])), 'answer');
  });

  it('a system/init that lacks a declared tool is a tools_not_offered error naming it', () => {
    const { writer } = writerFor([user('One'), assistant([call]), user([result])], ['get_weather', 'search_db']);
    writer.start(INIT);
    assert.throws(
      () => writer.observe(systemInit(['get_weather'])),
      (error: unknown) => {
        assert.ok(error instanceof ProxyError);
        assert.equal(error.code, 'tools_not_offered');
        assert.equal(error.status, 502);
        assert.deepEqual(error.details?.missing, ['search_db']);
        assert.match(error.message, /search_db/);
        return true;
      },
    );
    // The CLI drops every tool when it rejects one schema: its init then lists none.
    const dropped = writerFor([user('Hi')], ['get_weather']);
    dropped.writer.start(INIT);
    assert.throws(() => dropped.writer.observe(systemInit([])), { code: 'tools_not_offered' });
  });

  it('without declared tools an init listing none is fine', () => {
    const { writer } = writerFor([user('Hi')]);
    writer.start(INIT);
    assert.equal(writer.observe(line({ type: 'system', subtype: 'init', model: RESOLVED })), 'answer');
  });
});

describe('ConversationWriter on a recorded replay (q4_edge_ids_S)', () => {
  // A past tool call with an OpenAI-style id and its result, replayed into a fresh CLI.
  const recorded = transcriptInput('q4_edge_ids_S').map((text) => JSON.parse(text) as Record<string, unknown>);
  const messages: ChatMessage[] = [
    user('Weather?'),
    assistant([{ type: 'tool_use', id: 'call_9f8e7d6c5b4a', name: 'get_weather', input: { city: 'Paris' } }]),
    user([{ type: 'tool_result', tool_use_id: 'call_9f8e7d6c5b4a', content: 'sunny' }]),
  ];

  it('writes the lines of the recorded run, waiting where it waited, and answers from the lines after the acknowledgement', () => {
    const { writer, writes } = writerFor(messages, ['get_weather', 'get_time']);
    writer.start(INIT);
    const state = createTurnState({ thinking: false, stopSequences: [] });
    const events: TurnEvent[] = [];
    const consumed: string[] = [];
    for (const text of transcriptLines('q4_edge_ids_S')) {
      const event = parseCliLine(text)!;
      if (writer.observe(event) === 'consumed') consumed.push(event.type === 'unknown' ? event.raw : event.type);
      else events.push(...step(state, event));
    }
    assert.deepEqual(consumed, ['control_response', 'system', 'result'], 'the initialize reply and the acknowledgement');
    assert.deepEqual(
      writes.map((write) => write.end),
      [false, true],
    );
    const written = writes.flatMap((write) => write.lines.slice(write.lines[0] === INIT ? 1 : 0)).map((text) => JSON.parse(text));
    // The proxy names the model on assistant lines (the recording did not); otherwise the lines are the recorded ones.
    assert.equal(written[1].message.model, 'claude-sonnet-4-5');
    delete written[1].message.model;
    assert.deepEqual(written, recorded.slice(1));
    // The mock's answer quotes the tool result it was sent.
    assert.deepEqual(events[0], {
      type: 'start',
      messageId: 'msg_mock1',
      usage: { inputTokens: 12, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
    });
    const text = events.map((event) => (event.type === 'text' ? event.text : '')).join('');
    assert.ok(text.startsWith('Result received: sunny'), text);
    assert.deepEqual(events.at(-1), {
      type: 'end',
      stopReason: 'end_turn',
      stopSequence: null,
      usage: { inputTokens: 12, outputTokens: 7, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
    });
    assert.ok(!events.some((event) => event.type === 'tool_start' || event.type === 'error'));
  });
});
