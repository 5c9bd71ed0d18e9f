// Bundles the preload into dist/preload.cjs. A sandboxed preload cannot load
// other files, so it must be one CommonJS file whose only require is 'electron'.
//
// The preload needs only the contract's channel names, not its zod schemas
// (main parses every payload). Bundling the contract would drag all of zod
// (~450 KB) into the page's process, so the channel lists are read from the
// real contract here, at build time, and the preload's import of
// shared/contract.js is served from those lists: one source, nothing hand-kept.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const contractFile = path.join(root, 'shared', 'contract.ts');
const outfile = path.join(root, 'dist', 'preload.cjs');

async function contractChannels() {
  const bundled = await build({
    entryPoints: [contractFile],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'warning',
  });
  const code = bundled.outputFiles[0].text;
  const contract = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  return { INVOKE_CHANNELS: contract.INVOKE_CHANNELS, EVENT_CHANNELS: contract.EVENT_CHANNELS };
}

const channels = await contractChannels();
if (!Array.isArray(channels.INVOKE_CHANNELS) || !Array.isArray(channels.EVENT_CHANNELS)) {
  console.error('build-preload: shared/contract.ts no longer exports INVOKE_CHANNELS and EVENT_CHANNELS');
  process.exit(1);
}

/** Serves `shared/contract.js`, as imported by the preload, as the two frozen channel lists. */
const channelsOnly = {
  name: 'contract-channels-only',
  setup(esbuild) {
    esbuild.onResolve({ filter: /(^|\/)shared\/contract\.js$/ }, () => ({ path: 'contract-channels', namespace: 'contract-channels' }));
    esbuild.onLoad({ filter: /.*/, namespace: 'contract-channels' }, () => ({
      loader: 'js',
      contents: Object.entries(channels)
        .map(([name, list]) => `export const ${name} = Object.freeze(${JSON.stringify(list)});`)
        .join('\n'),
    }));
  },
};

await build({
  entryPoints: [path.join(root, 'main', 'electron', 'preload.ts')],
  outfile,
  bundle: true,
  platform: 'browser',
  format: 'cjs',
  target: 'chrome130',
  external: ['electron'],
  plugins: [channelsOnly],
  // Small and unminified, so a reviewer can read exactly what the page is given.
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
});

// Anything else required would fail at runtime in the sandbox; refuse to ship it.
const text = await readFile(outfile, 'utf8');
const required = [...new Set([...text.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]))];
const unexpected = required.filter((name) => name !== 'electron');
if (unexpected.length > 0 || /\bzod\b/.test(text)) {
  console.error(
    `build-preload: ${path.relative(root, outfile)} must require only 'electron' and carry no zod (requires: ${required.join(', ')})`,
  );
  process.exit(1);
}
console.log(
  `build-preload: ${path.relative(root, outfile)} (${(text.length / 1024).toFixed(1)} KB, requires: ${required.join(', ') || 'nothing'})`,
);
