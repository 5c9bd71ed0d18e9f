// Builds what the headless proxy serves from, when it is missing or older than its sources:
// the compiled core (tsc → dist/) and the window's bundle (dist/renderer/). `npm run serve` and the
// tests that start the compiled server run this first, so neither can run a stale or missing build.
// A source counts as changed when its mtime is newer than its output's (git checkout and editors both
// bump it); `--force` rebuilds regardless.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function* files(dir, test) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full, test);
    else if (test(entry.name)) yield full;
  }
}

/** The compiled core is stale if any .ts under main/ or shared/ is newer than its .js, or tsconfig/package-lock changed. */
function coreStale() {
  if (mtime(path.join(dist, 'main', 'serve.js')) === undefined) return 'not built yet';
  const configs = ['tsconfig.json', 'package-lock.json'].map((file) => mtime(path.join(root, file)) ?? 0);
  const newestConfig = Math.max(...configs);
  for (const dir of ['main', 'shared']) {
    for (const source of files(path.join(root, dir), (name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))) {
      const output = path.join(dist, path.relative(root, source)).replace(/\.ts$/, '.js');
      const built = mtime(output);
      if (built === undefined || built < (mtime(source) ?? 0) || built < newestConfig) return `${path.relative(root, source)} changed`;
    }
  }
  return undefined;
}

/** The bundle is stale if it or its page is missing, or any window source (or shared/) is newer than it. */
function rendererStale() {
  const out = path.join(dist, 'renderer');
  const built = Math.min(...['app.js', 'index.html', 'styles.css'].map((file) => mtime(path.join(out, file)) ?? -1));
  if (built < 0) return 'not built yet';
  const sources = [
    ...files(path.join(root, 'renderer', 'src'), (name) => name.endsWith('.ts')),
    ...files(path.join(root, 'shared'), (name) => name.endsWith('.ts')),
    path.join(root, 'renderer', 'index.html'),
    path.join(root, 'renderer', 'styles.css'),
  ];
  const changed = sources.find((source) => (mtime(source) ?? 0) > built);
  return changed && path.relative(root, changed);
}

function run(label, args) {
  process.stderr.write(`${label}…\n`);
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`${label} failed\n`);
    process.exit(result.status ?? 1);
  }
}

const force = process.argv.includes('--force');
const core = force ? 'forced' : coreStale();
if (core) run(`Compiling the server (${core})`, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
const renderer = force ? 'forced' : rendererStale();
if (renderer) run(`Bundling the window (${renderer})`, [path.join(root, 'renderer', 'build.mjs')]);
