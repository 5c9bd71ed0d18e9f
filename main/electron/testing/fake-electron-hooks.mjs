// Module hooks for app-wiring.test.ts: 'electron' and 'electron-log/main' resolve to the fakes beside
// this file (the real 'electron' package, run by Node, would try to download Electron).
const fakes = {
  electron: new URL('./fake-electron.mjs', import.meta.url).href,
  'electron-log/main': new URL('./fake-electron-log.mjs', import.meta.url).href,
};

export async function resolve(specifier, context, next) {
  if (Object.hasOwn(fakes, specifier)) return { url: fakes[specifier], shortCircuit: true };
  return next(specifier, context);
}
