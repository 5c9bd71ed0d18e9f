import type { ChatRequest } from '../api/chat-request.js';
import { ProxyError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createTurnState, step } from './cli-turn.js';
import { declaredToolNames, initializeLine, replaySteps } from './cli-input.js';
import { ConversationWriter } from './cli-replay.js';
import type { TurnSink } from './turn-stream.js';
import { parseCliLine } from './cli-events.js';
import { processExitError } from './cli-errors.js';
import type { CliExit, CliProcess } from './cli-process.js';
import { TurnMeter } from './turn-meter.js';

/**
 * Drives one CLI process through one turn: writes the request on stdin,
 * translates its output as it arrives, and ends the process as soon as the
 * turn is over for the client (result, stop sequence, output cap, timeout,
 * cancellation). Resolves with the exit once the process is gone. Events go
 * into a sink that may say "full": stdout is then paused until it drains, and
 * the idle timer stops, as the CLI is not idle but waiting for our reader.
 */

export interface TurnLimits {
  requestTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface TurnRun {
  child: CliProcess;
  request: ChatRequest;
  limits: TurnLimits;
  signal: AbortSignal;
  logger: Logger;
  sink: TurnSink;
  /** The client's name for a tool the CLI named (tool-names.ts). */
  toolName?: (cliName: string) => string;
  now?: () => number;
}

export async function runTurn({ child, request, limits, signal, logger, sink, toolName, now }: TurnRun): Promise<CliExit> {
  const state = createTurnState({
    thinking: request.thinking,
    stopSequences: request.stopSequences,
    ...(toolName ? { toolName } : {}),
    ...(now ? { now } : {}),
  });
  const writer = new ConversationWriter(
    replaySteps(request.messages),
    (lines, end) => child.write(lines, end),
    request.cliModel,
    declaredToolNames(request),
  );
  const meter = new TurnMeter(now);
  let garbage = 0;

  /** Ends the turn for the client now (the process is stopped; its exit comes later). */
  const finish = (error: ProxyError) => {
    if (state.done) return;
    state.done = true;
    sink.push({ type: 'error', error });
    void child.stop();
  };

  let idleTimer: NodeJS.Timeout | undefined;
  // While the client reads nothing the CLI's output is paused (backpressure), and its silence is not its
  // fault; but a client that reads nothing for as long as the idle limit must not hold a CLI slot until
  // the total limit, so the same limit then applies to the client.
  let stallTimer: NodeJS.Timeout | undefined;
  let paused = false;
  const resetIdle = () => {
    clearTimeout(idleTimer);
    if (paused) return;
    idleTimer = setTimeout(
      () =>
        finish(
          new ProxyError('timeout_error', `The Claude CLI sent nothing for ${Math.round(limits.idleTimeoutMs / 1000)} s`, {
            code: 'idle_timeout',
          }),
        ),
      limits.idleTimeoutMs,
    );
  };
  const totalTimer = setTimeout(
    () =>
      finish(
        new ProxyError('timeout_error', `The Claude CLI did not finish within ${Math.round(limits.requestTimeoutMs / 1000)} s`, {
          code: 'request_timeout',
        }),
      ),
    limits.requestTimeoutMs,
  );
  // Nobody is listening any more: no final event, just end the process.
  const onAbort = () => {
    state.done = true;
    void child.stop();
  };

  child.attach({
    onOversizeLine: (bytes) => logger.warn('Skipped an over-long line from the Claude CLI', { bytes, pid: child.pid }),
    // Any output, even part of a long line, shows the child is alive.
    onActivity: resetIdle,
    onLine: (line) => {
      if (state.done) return;
      const event = parseCliLine(line);
      if (event === undefined) {
        if (garbage++ < 3) logger.warn('Skipped a line from the Claude CLI that is not JSON', { pid: child.pid, length: line.length });
        return;
      }
      try {
        if (writer.observe(event) === 'consumed') return;
      } catch (error) {
        finish(error as ProxyError);
        return;
      }
      let full = false;
      // Before the turn's own events: the final one ends the client's reading.
      for (const report of meter.see(event)) full = !sink.push(report) || full;
      for (const translated of step(state, event)) full = !sink.push(translated) || full;
      if (state.done) void child.stop();
      else if (full && !paused) {
        paused = true;
        clearTimeout(idleTimer);
        child.pause();
        stallTimer = setTimeout(
          () =>
            finish(
              new ProxyError('timeout_error', `The client read nothing of the answer for ${Math.round(limits.idleTimeoutMs / 1000)} s`, {
                code: 'client_stalled',
              }),
            ),
          limits.idleTimeoutMs,
        );
      }
    },
  });
  sink.onDrain(() => {
    if (!paused) return;
    paused = false;
    clearTimeout(stallTimer);
    child.resume();
    resetIdle();
  });
  resetIdle();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  else writer.start(initializeLine(request));

  const exit = await child.exited;
  clearTimeout(totalTimer);
  clearTimeout(idleTimer);
  clearTimeout(stallTimer);
  signal.removeEventListener('abort', onAbort);

  // A spawn failure is the caller's to report (it knows the binary); any other early exit is a crash.
  if (!state.done && !exit.spawnError) {
    logger.warn('Claude CLI exited without a result', { pid: child.pid, code: exit.code, signal: exit.signal });
    finish(processExitError(exit.code, exit.signal, exit.stderrTail));
  }
  return exit;
}
