import path from 'node:path';

/**
 * Windows: what an npm `.cmd` shim really runs. Node (since 20.12.2) refuses
 * to spawn a `.cmd` or `.bat` without a shell (EINVAL, thrown at once), and
 * running one through cmd.exe would put the CLI's arguments through cmd's
 * quoting rules. So the shim is read instead, and its target spawned directly.
 *
 * npm's cmd-shim writes one of two shapes (`%dp0%` is the shim's folder; older
 * versions wrote `%~dp0`):
 *   "%dp0%\node_modules\@anthropic-ai\claude-code\bin\claude.exe"   %*
 *   ... "%_prog%"  "%dp0%\node_modules\some-cli\cli.js" %*     (with `node` or "%dp0%\node.exe" as %_prog%)
 * The Claude Code package ships a native `bin/claude.exe`, so today the first.
 */

export interface ShimTarget {
  /** The absolute path the shim runs. */
  target: string;
  /** A JavaScript file, run by Node rather than directly. */
  script: boolean;
}

const DP0 = /"%~?dp0%?\\?([^"]*)"/gi;

export function parseCmdShim(text: string, shimPath: string): ShimTarget | undefined {
  const win = path.win32;
  const targets = [...text.matchAll(DP0)]
    .map((match) => match[1] ?? '')
    .filter((relative) => relative !== '' && !/(^|\\)node(\.exe)?$/i.test(relative));
  const relative = targets.at(-1);
  if (relative === undefined) return undefined;
  const target = win.resolve(win.dirname(shimPath), relative);
  return { target, script: /\.(c|m)?js$/i.test(target) };
}

export function isShim(file: string): boolean {
  return /\.(cmd|bat)$/i.test(file);
}
