/**
 * The window's preload. It runs sandboxed, so it is bundled into one
 * CommonJS file (dist/preload.cjs, by build-preload.mjs) whose only require
 * is 'electron'. It exposes `window.claudeProxy` and nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api.js';

contextBridge.exposeInMainWorld('claudeProxy', createPreloadApi(ipcRenderer));
