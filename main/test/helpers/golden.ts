// Shared by the translator tests: recorded CLI transcripts in, TurnEvents out,
// and a strict reader for the expected SSE files in main/test/golden/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCliLine } from '../../core/cli/cli-events.js';
import { createTurnState, step, type TurnOptions } from '../../core/cli/cli-turn.js';
import type { TurnEvent } from '../../core/cli/turn-events.js';

const GOLDEN = new URL('../golden/', import.meta.url);

/**
 * The stdout lines of a real CLI run, copied unchanged from the transcripts
 * described in the CLI contract (golden/transcripts/NAME.stdout).
 */
export function transcriptLines(name: string): string[] {
  const text = readFileSync(new URL(`transcripts/${name}.stdout`, GOLDEN), 'utf8');
  return text.split('\n').filter((line) => line !== '');
}

/** The lines written to the CLI's stdin in a recorded run (golden/transcripts/NAME.stdin), where one was kept. */
export function transcriptInput(name: string): string[] {
  const text = readFileSync(new URL(`transcripts/${name}.stdin`, GOLDEN), 'utf8');
  return text.split('\n').filter((line) => line !== '');
}

/** Feeds a transcript line by line through parseCliLine → step, as the CLI manager does. */
export function transcriptEvents(name: string, options: TurnOptions): TurnEvent[] {
  return lineEvents(transcriptLines(name), options);
}

export function lineEvents(lines: readonly string[], options: TurnOptions): TurnEvent[] {
  const state = createTurnState(options);
  const events: TurnEvent[] = [];
  for (const line of lines) {
    const parsed = parseCliLine(line);
    if (parsed !== undefined) events.push(...step(state, parsed));
  }
  return events;
}

export function goldenText(file: string): string {
  return readFileSync(new URL(file, GOLDEN), 'utf8');
}

export interface SseFrame {
  event: string | undefined;
  data: unknown;
}

/**
 * Splits an SSE body into frames and checks its framing strictly: every frame
 * is an optional `event:` line and one `data:` line, frames end with a blank
 * line, nothing else. `data` is JSON-parsed (except `[DONE]`), so goldens are
 * compared by meaning, not by key order.
 */
export function sseFrames(text: string): SseFrame[] {
  assert.ok(text.endsWith('\n\n'), 'an SSE body ends with a blank line');
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      const lines = frame.split('\n');
      let event: string | undefined;
      if (lines[0]?.startsWith('event: ')) event = lines.shift()!.slice('event: '.length);
      assert.equal(lines.length, 1, `one data line per frame: ${JSON.stringify(frame)}`);
      const line = lines[0]!;
      assert.ok(line.startsWith('data: '), `data line expected: ${JSON.stringify(line)}`);
      const payload = line.slice('data: '.length);
      return { event, data: payload === '[DONE]' ? '[DONE]' : JSON.parse(payload) };
    });
}
