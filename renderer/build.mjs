// Bundles the window (renderer/src/main.ts → dist/renderer/app.js) and copies its page and styles
// next to it. One bundle for both hosts: the Electron window loads it from disk, the headless proxy
// serves it at /dashboard/. `--watch` rebuilds on change.
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, context } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/renderer`;
const options = {
  entryPoints: [`${root}renderer/src/main.ts`],
  outfile: `${outdir}/app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
};

await mkdir(outdir, { recursive: true });
await Promise.all(['index.html', 'styles.css'].map((file) => copyFile(`${root}renderer/${file}`, `${outdir}/${file}`)));
if (process.argv.includes('--watch')) {
  const ctx = await context(options);
  await ctx.watch();
  process.stdout.write(`watching renderer/src → ${outdir}\n`);
} else {
  await build(options);
  process.stdout.write(`built ${outdir}/app.js\n`);
}
