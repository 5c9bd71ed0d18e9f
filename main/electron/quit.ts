import type { Logger } from '../core/logger.js';

/**
 * Quitting ends every Claude CLI child before the app exits: a child left
 * behind would keep spending the user's subscription with nobody listening.
 * Ordered as HTTP Toolkit does it: ask (the CLI manager refuses new work,
 * SIGTERMs each child's process group and SIGKILLs it after the grace
 * period), wait with a deadline, then exit regardless, so a wedged child can
 * never keep the app from quitting.
 */

export interface QuitDeps {
  proxy: { shutdown(): Promise<void> };
  bridge: { close(): void };
  log: Logger;
  /** Longer than the CLI's kill grace period, so SIGKILL has been sent before we give up. */
  deadlineMs: number;
}

export type QuitOutcome = 'clean' | 'deadline' | 'failed';

export async function quitSequence(deps: QuitDeps): Promise<QuitOutcome> {
  const started = Date.now();
  deps.log.info('Quitting: stopping the proxy and ending every Claude CLI process');
  let timer: NodeJS.Timeout | undefined;
  let outcome: QuitOutcome;
  try {
    outcome = await Promise.race([
      deps.proxy.shutdown().then(() => 'clean' as const),
      new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deps.deadlineMs))),
    ]);
  } catch (error) {
    deps.log.error('Stopping the proxy failed', { error: error instanceof Error ? error.message : String(error) });
    outcome = 'failed';
  } finally {
    clearTimeout(timer);
  }
  deps.bridge.close();
  if (outcome === 'deadline') deps.log.warn(`Claude CLI processes still ending after ${deps.deadlineMs} ms; quitting anyway`);
  else if (outcome === 'clean') deps.log.info('Stopped cleanly', { ms: Date.now() - started });
  return outcome;
}

/** The parts of Electron's `app` the quit handler uses. */
export interface QuittableApp {
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  quit(): void;
}

export interface QuitHandler {
  /** True from the first quit request on: windows close for real instead of hiding. */
  isQuitting: () => boolean;
}

/**
 * Holds the first quit (tray Quit, Cmd+Q, SIGTERM) until `sequence` has run,
 * then quits for real. Quit requests that arrive meanwhile are held too: the
 * sequence is already under way and will finish the job.
 */
export function installQuitHandler(app: QuittableApp, sequence: () => Promise<unknown>): QuitHandler {
  let phase: 'running' | 'stopping' | 'done' = 'running';
  app.on('before-quit', (event) => {
    if (phase === 'done') return;
    event.preventDefault();
    if (phase === 'stopping') return;
    phase = 'stopping';
    void sequence()
      .catch(() => undefined)
      .finally(() => {
        phase = 'done';
        app.quit();
      });
  });
  return { isQuitting: () => phase !== 'running' };
}
