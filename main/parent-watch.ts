/**
 * Notices that the process that started this one is gone. `npm run serve`
 * starts the server through a shell; a process manager that signals npm ends
 * npm (and perhaps the shell) but not the server, which would run on,
 * orphaned, holding the port. With `--exit-with-parent` the server stops
 * itself instead. POSIX re-parents an orphan (its ppid changes); Windows does
 * not, so the old parent's pid is also probed.
 */

export interface ParentWatchOptions {
  intervalMs?: number;
  ppid?: number;
  currentPpid?: () => number;
  isAlive?: (pid: number) => boolean;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Calls `onGone` once when the parent has gone; the returned function stops watching. */
export function watchParent(onGone: () => void, options: ParentWatchOptions = {}): () => void {
  const ppid = options.ppid ?? process.ppid;
  const currentPpid = options.currentPpid ?? (() => process.ppid);
  const alive = options.isAlive ?? isAlive;
  const timer = setInterval(() => {
    if (currentPpid() === ppid && alive(ppid)) return;
    clearInterval(timer);
    onGone();
  }, options.intervalMs ?? 500);
  // Watching must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
