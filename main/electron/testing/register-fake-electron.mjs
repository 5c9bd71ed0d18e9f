// `node --import tsx --import ./register-fake-electron.mjs main/electron/app.ts` runs the desktop entry on fakes.
import { register } from 'node:module';

register('./fake-electron-hooks.mjs', import.meta.url);
