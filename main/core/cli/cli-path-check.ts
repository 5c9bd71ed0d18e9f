/**
 * Which program the proxy may run as `claude`. The CLI runs as the owner, with
 * the owner's Claude login in its environment and every prompt on its stdin,
 * so a path another account can write to, or replace, hands that account all
 * of it. Accepted: an absolute path to a regular, executable file owned by
 * the owner or root and not writable by group or others (symbolic links are
 * followed: the file they lead to is what runs).
 */
import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

const posix = process.platform !== 'win32';

/** What is wrong with `file` as the CLI path, or undefined when it may be run. */
export function cliPathProblem(file: string, uid: number | undefined = process.getuid?.()): string | undefined {
  if (!path.isAbsolute(file)) return 'must be an absolute path';
  try {
    return problemOf(statSync(file), uid);
  } catch (error) {
    return statFailure(error);
  }
}

/** The same check without blocking the event loop (it runs before every spawn). */
export async function cliPathProblemAsync(file: string, uid: number | undefined = process.getuid?.()): Promise<string | undefined> {
  if (!path.isAbsolute(file)) return 'must be an absolute path';
  try {
    return problemOf(await stat(file), uid);
  } catch (error) {
    return statFailure(error);
  }
}

function statFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
}

function problemOf(info: Stats, uid: number | undefined): string | undefined {
  if (info.isDirectory()) return 'is a directory, not the claude program';
  if (!info.isFile()) return 'is not a regular file';
  if (!posix) return undefined;
  if ((info.mode & 0o111) === 0) return 'is not executable';
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) return `belongs to another account (uid ${info.uid}); only your own files or root's may be run`;
  if ((info.mode & 0o022) !== 0) return 'is writable by group or others, who could then change what runs with your Claude login';
  return undefined;
}
