/**
 * Finds stop sequences in streamed text. Text that might be the start of a stop
 * sequence split across deltas is held back until the next delta settles it.
 */

export interface StopScan {
  /** Text safe to send now. */
  emit: string;
  /** Text held back (a possible prefix of a stop sequence). */
  held: string;
  /** The stop sequence found, if any; `emit` then ends just before it. */
  matched: string | undefined;
}

export function scanForStop(held: string, delta: string, stops: readonly string[]): StopScan {
  const text = held + delta;
  if (stops.length === 0) return { emit: text, held: '', matched: undefined };
  let at = -1;
  let matched: string | undefined;
  for (const stop of stops) {
    const index = text.indexOf(stop);
    if (index !== -1 && (at === -1 || index < at)) {
      at = index;
      matched = stop;
    }
  }
  if (matched !== undefined) return { emit: text.slice(0, at), held: '', matched };
  const keep = longestPrefixSuffix(text, stops);
  return { emit: text.slice(0, text.length - keep), held: text.slice(text.length - keep), matched: undefined };
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop sequence. */
function longestPrefixSuffix(text: string, stops: readonly string[]): number {
  let best = 0;
  for (const stop of stops) {
    for (let length = Math.min(stop.length - 1, text.length); length > best; length--) {
      if (text.endsWith(stop.slice(0, length))) {
        best = length;
        break;
      }
    }
  }
  return best;
}
