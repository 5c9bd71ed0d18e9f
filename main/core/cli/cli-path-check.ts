/**
 * Which program the proxy may run as `claude`. The CLI runs as the owner, with
 * the owner's Claude login in its environment and every prompt on its stdin,
 * so a path another account can write to, or replace, hands that account all
 * of it. Accepted: an absolute path to a regular, executable file owned by
 * the owner or root and not writable by group or others, in directories that
 * only the owner or root can change. Symbolic links are resolved first and
 * what is checked, and then run, is the file they lead to: a link another
 * account can re-point, or a directory on the way where it can swap the file
 * between the check and the spawn, would otherwise undo the check.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const posix = process.platform !== 'win32';

export type PathCheck = { real: string; problem?: undefined } | { problem: string; real?: undefined };

/** What is wrong with `file` as the CLI path, or undefined when it may be run. */
export function cliPathProblem(file: string, uid: number | undefined = process.getuid?.()): string | undefined {
  if (!path.isAbsolute(file)) return 'must be an absolute path';
  try {
    const real = realpathSync(file);
    return problemOf(
      real,
      chain(real).map((entry) => statSync(entry)),
      uid,
    );
  } catch (error) {
    return statFailure(error);
  }
}

/** The same check without blocking the event loop (it runs before every spawn); answers the file to run. */
export async function checkCliPath(file: string, uid: number | undefined = process.getuid?.()): Promise<PathCheck> {
  if (!path.isAbsolute(file)) return { problem: 'must be an absolute path' };
  try {
    const real = await realpath(file);
    const problem = problemOf(real, await Promise.all(chain(real).map((entry) => stat(entry))), uid);
    return problem ? { problem } : { real };
  } catch (error) {
    return { problem: statFailure(error) };
  }
}

/** The file, then each directory above it up to the root. */
function chain(real: string): string[] {
  const entries = [real];
  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    entries.push(dir);
    if (path.dirname(dir) === dir) return entries;
  }
}

function statFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
}

function problemOf(real: string, [info, ...dirs]: Stats[], uid: number | undefined): string | undefined {
  if (!info) return 'does not exist';
  if (info.isDirectory()) return 'is a directory, not the claude program';
  if (!info.isFile()) return 'is not a regular file';
  if (!posix) return undefined;
  if ((info.mode & 0o111) === 0) return 'is not executable';
  if (!ours(info, uid)) return `belongs to another account (uid ${info.uid}); only your own files or root's may be run`;
  if ((info.mode & 0o022) !== 0) return 'is writable by group or others, who could then change what runs with your Claude login';
  const entries = chain(real).slice(1);
  for (const [index, dir] of dirs.entries()) {
    const name = entries[index];
    if (!ours(dir, uid)) return `is in ${name}, which belongs to another account (uid ${dir.uid}), who could swap the file`;
    // A sticky directory (like /tmp) lets others add files, but not rename or replace ours.
    if ((dir.mode & 0o022) !== 0 && (dir.mode & 0o1000) === 0)
      return `is in ${name}, which group or others can write to, so they could swap the file`;
  }
  return undefined;
}

function ours(info: Stats, uid: number | undefined): boolean {
  return uid === undefined || info.uid === uid || info.uid === 0;
}
